-- The decision points under lowercase names, as the API returns them and dashboard panels read them:
-- queries that name their outputs after the view's own columns (Reason, Policy, Layer…) would
-- otherwise have ClickHouse resolve those columns to the output aliases.
CREATE OR REPLACE VIEW seam_decision_records_between {{on_cluster}} AS
SELECT
    Timestamp AS ts,
    TraceId AS traceId,
    SpanId AS spanId,
    Layer AS layer,
    ServiceName AS service,
    Subject AS subject,
    Groups AS groups,
    Decision AS decision,
    Reason AS reason,
    Policy AS policy,
    Evidence AS evidence,
    KeyId AS keyId,
    DryRunResult AS dryRunResult,
    DryRunPolicy AS dryRunPolicy
FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

-- Links and mismatches under the API's lowercase names, for the same reason.
CREATE OR REPLACE VIEW seam_link_records_between {{on_cluster}} AS
SELECT
    Timestamp AS ts,
    EdgeTraceId AS edgeTraceId,
    MeshTraceId AS meshTraceId,
    Method AS method,
    Confidence AS confidence,
    EdgeService AS edgeService,
    MeshService AS meshService,
    Subject AS subject
FROM seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

CREATE OR REPLACE VIEW seam_mismatch_records_between {{on_cluster}} AS
SELECT
    Kind AS kind,
    Timestamp AS ts,
    TraceId AS traceId,
    MeshTraceId AS meshTraceId,
    Subject AS subject,
    EdgeDecision AS edgeDecision,
    EdgeReason AS edgeReason,
    MeshDecision AS meshDecision,
    MeshReason AS meshReason,
    MeshPolicy AS meshPolicy,
    EdgeService AS edgeService,
    MeshService AS meshService,
    KeyId AS keyId,
    MeshEvidence AS meshEvidence,
    MeshSpanId AS meshSpanId,
    MeshEntryService AS meshEntryService
FROM seam_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

-- Replaced by seam_decision_records_between; stores created by an earlier version still hold it.
DROP VIEW IF EXISTS seam_dashboard_decisions_between {{on_cluster}};
