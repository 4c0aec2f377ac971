-- Repeatable: re-created at every start and `seam migrate`, rendered with the configured identity
-- window and key rotation period. Correlation is computed when read, from state that is already in
-- ClickHouse (summary, decisions, join keys), so it is the same whichever replica received which span,
-- in whatever order and however late.

-- Every authorization decision point with its strongest evidence: the one place readers get decisions
-- from (API, CLI, dashboards). A span-evidence deny on a proxy that forwarded upstream is the
-- upstream's answer passing through, so it is read as an allow.
CREATE OR REPLACE VIEW seam_decision_points {{on_cluster}} AS
SELECT
    ts AS Timestamp, TraceId, SpanId, parent AS ParentSpanId, layer AS Layer, service AS ServiceName, name AS SpanName,
    subject AS Subject, issuer AS Issuer, kid AS KeyId, mapping AS MappingVersion, groups AS Groups, status AS HttpStatus,
    if(overridden, 'allow', decision) AS Decision,
    if(overridden, '', reason) AS Reason,
    if(overridden, '', policy) AS Policy,
    if(overridden, 'inferred', evidence) AS Evidence,
    dryResult AS DryRunResult, dryPolicy AS DryRunPolicy
FROM
(
    SELECT TraceId, SpanId, min(Timestamp) AS ts, max(ParentSpanId) AS parent, max(Layer) AS layer,
           max(ServiceName) AS service, max(SpanName) AS name, max(Subject) AS subject, max(Issuer) AS issuer,
           max(KeyId) AS kid, max(MappingVersion) AS mapping, groupUniqArrayArray(Groups) AS groups,
           max(HttpStatus) AS status, argMaxMerge(Decision) AS decision, argMaxMerge(Reason) AS reason,
           argMaxMerge(Policy) AS policy, argMaxMerge(Evidence) AS evidence, max(DryRunResult) AS dryResult,
           max(DryRunPolicy) AS dryPolicy,
           max(Forwarded) = 1 AND argMaxMerge(Evidence) = 'span' AND argMaxMerge(Decision) = 'deny' AS overridden
    FROM {{sharded seam_decisions}}
    GROUP BY TraceId, SpanId
    HAVING max(IsDecisionPoint) = 1
);

-- One row per edge ↔ mesh trace pair, strongest method first: same trace id; the Cloudflare ray id;
-- the request id the edge set; or the same subject entering the mesh within the identity window of the
-- edge's subrequest, only when that match is unique both ways and neither side has a stronger link.
CREATE OR REPLACE VIEW seam_links {{on_cluster}} AS
WITH
    traces AS (
        SELECT TraceId, min(Start) AS Start, sum(EdgeRequests) AS edge, sum(MeshEntries) AS mesh,
               max(EdgeService) AS edgeService, max(MeshService) AS meshService,
               max(EdgeSubject) AS edgeSubject, max(MeshSubject) AS meshSubject
        FROM {{sharded seam_trace_summary}}
        GROUP BY TraceId
    ),
    keyed AS (
        SELECT e.Method AS method, e.TraceId AS edgeTrace, m.TraceId AS meshTrace,
               abs(dateDiff('millisecond', e.Timestamp, m.Timestamp)) AS gapMs
        FROM (SELECT DISTINCT Method, Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Side = 'edge') AS e
        INNER JOIN (SELECT DISTINCT Method, Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Side = 'mesh') AS m
            ON e.Method = m.Method AND e.Key = m.Key
        WHERE e.TraceId != m.TraceId
    ),
    strong AS (
        SELECT TraceId AS edgeTrace, TraceId AS meshTrace, 'trace_id' AS method, 1.0 AS confidence
        FROM traces WHERE edge > 0 AND mesh > 0
        UNION ALL
        SELECT edgeTrace, meshTrace, method, if(method = 'cf_ray', 0.99, 0.95) AS confidence
        FROM keyed WHERE method IN ('cf_ray', 'request_id')
    ),
    candidates AS (
        SELECT edgeTrace, meshTrace, min(keyed.gapMs) AS bestGapMs
        FROM keyed
        WHERE method = 'identity_time' AND keyed.gapMs <= {{identity_window_ms}}
          AND edgeTrace NOT IN (SELECT edgeTrace FROM strong)
          AND meshTrace NOT IN (SELECT meshTrace FROM strong)
        GROUP BY edgeTrace, meshTrace
    ),
    unique AS (
        SELECT edgeTrace, meshTrace, 'identity_time' AS method,
               round(0.9 - 0.3 * bestGapMs / {{identity_window_ms}}, 3) AS confidence
        FROM candidates
        WHERE edgeTrace IN (SELECT edgeTrace FROM candidates GROUP BY edgeTrace HAVING count() = 1)
          AND meshTrace IN (SELECT meshTrace FROM candidates GROUP BY meshTrace HAVING count() = 1)
    ),
    best AS (
        SELECT edgeTrace, meshTrace, argMin(linkMethod, rank) AS method, max(linkConfidence) AS confidence
        FROM
        (
            SELECT edgeTrace, meshTrace, method AS linkMethod, confidence AS linkConfidence,
                   indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], method) AS rank
            FROM (SELECT * FROM strong UNION ALL SELECT * FROM unique)
        )
        GROUP BY edgeTrace, meshTrace
    )
SELECT
    e.Start AS Timestamp,
    b.edgeTrace AS EdgeTraceId,
    b.meshTrace AS MeshTraceId,
    b.method AS Method,
    b.confidence AS Confidence,
    e.edgeService AS EdgeService,
    m.meshService AS MeshService,
    e.edgeSubject AS Subject
FROM best AS b
INNER JOIN traces AS e ON e.TraceId = b.edgeTrace
INNER JOIN traces AS m ON m.TraceId = b.meshTrace;

-- Identity_time candidates that were dropped because they were not unique, for `seam_links` users
-- who want to see how many edge requests stayed unlinked for that reason.
CREATE OR REPLACE VIEW seam_ambiguous_identity_links {{on_cluster}} AS
SELECT e.TraceId AS EdgeTraceId, count(DISTINCT m.TraceId) AS Candidates, min(e.Timestamp) AS Timestamp, any(e.Key) AS Subject
FROM (SELECT DISTINCT Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Method = 'identity_time' AND Side = 'edge') AS e
INNER JOIN (SELECT DISTINCT Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Method = 'identity_time' AND Side = 'mesh') AS m
    ON e.Key = m.Key
WHERE e.TraceId != m.TraceId AND abs(dateDiff('millisecond', e.Timestamp, m.Timestamp)) <= {{identity_window_ms}}
  AND e.TraceId NOT IN (SELECT EdgeTraceId FROM seam_links)
GROUP BY e.TraceId
HAVING Candidates > 1;

-- One row per edge request (an edge trace with an edge SERVER span), with its strongest link.
CREATE OR REPLACE VIEW seam_edge_requests {{on_cluster}} AS
SELECT
    s.Start AS Timestamp,
    s.TraceId AS TraceId,
    s.EdgeService AS EdgeService,
    s.EdgeSubject AS Subject,
    s.EdgeDecision AS Decision,
    s.EdgeReason AS Reason,
    s.EdgeKeyId AS KeyId,
    l.linkMethod AS LinkMethod,
    l.linkMesh AS MeshTraceId,
    l.linkService AS MeshService
FROM
(
    SELECT TraceId, min(Start) AS Start, max(EdgeService) AS EdgeService, max(EdgeSubject) AS EdgeSubject,
           max(EdgeDecision) AS EdgeDecision, max(EdgeReason) AS EdgeReason, max(EdgeKeyId) AS EdgeKeyId
    FROM {{sharded seam_trace_summary}}
    GROUP BY TraceId
    HAVING sum(EdgeRequests) > 0
) AS s
LEFT JOIN
(
    SELECT EdgeTraceId, argMin(Method, rank) AS linkMethod, argMin(MeshTraceId, rank) AS linkMesh, argMin(MeshService, rank) AS linkService
    FROM (SELECT *, indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], Method) AS rank FROM seam_links)
    GROUP BY EdgeTraceId
) AS l ON l.EdgeTraceId = s.TraceId
SETTINGS join_use_nulls = 0;

-- Where the edge and the mesh disagree, one row per (kind, edge request, mesh request).
CREATE OR REPLACE VIEW seam_mismatches {{on_cluster}} AS
WITH
    traces AS (
        SELECT TraceId, min(Start) AS Start, sum(EdgeRequests) AS edge, sum(MeshEntries) AS mesh,
               max(EdgeService) AS edgeService, max(MeshService) AS meshService,
               max(EdgeSubject) AS edgeSubject, max(MeshSubject) AS meshSubject,
               max(EdgeDecision) AS edgeDecision, max(EdgeReason) AS edgeReason, max(EdgeKeyId) AS edgeKey
        FROM {{sharded seam_trace_summary}}
        GROUP BY TraceId
    ),
    meshVerdicts AS (
        SELECT TraceId,
               if(countIf(decision = 'deny') > 0, 'deny', 'allow') AS meshDecision,
               argMinIf(reason, ts, decision = 'deny') AS meshReason,
               argMinIf(policy, ts, decision = 'deny') AS meshPolicy
        FROM (SELECT TraceId, Timestamp AS ts, Decision AS decision, Reason AS reason, Policy AS policy FROM seam_decision_points WHERE Layer != 'edge')
        GROUP BY TraceId
    ),
    pairs AS (
        SELECT e.Start AS ts, e.TraceId AS edgeTrace, l.MeshTraceId AS meshTrace, l.Method AS method,
               e.edgeSubject AS edgeSubject, m.meshSubject AS meshSubject, e.edgeDecision AS edgeDecision,
               e.edgeReason AS edgeReason, v.meshDecision = 'deny' AS meshDenied, e.edgeService AS edgeService,
               m.meshService AS meshService, e.edgeKey AS edgeKey
        FROM seam_links AS l
        INNER JOIN traces AS e ON e.TraceId = l.EdgeTraceId
        INNER JOIN traces AS m ON m.TraceId = l.MeshTraceId
        LEFT JOIN meshVerdicts AS v ON v.TraceId = l.MeshTraceId
    ),
    keys AS (
        SELECT KeyId, min(FirstSeen) AS firstSeen FROM {{sharded seam_keys}} GROUP BY KeyId
    ),
    found AS (
        SELECT 'edge_allow_mesh_deny' AS kind, ts, edgeTrace, meshTrace, edgeSubject AS subject, edgeDecision, edgeReason, edgeService, meshService, edgeKey
        FROM pairs WHERE edgeDecision = 'allow' AND meshDenied = 1
        UNION ALL
        SELECT 'edge_deny_mesh_reached', ts, edgeTrace, meshTrace, edgeSubject, edgeDecision, edgeReason, edgeService, meshService, edgeKey
        FROM pairs WHERE edgeDecision = 'deny'
        UNION ALL
        SELECT 'identity_mismatch', ts, edgeTrace, meshTrace, edgeSubject, edgeDecision, edgeReason, edgeService, meshService, edgeKey
        FROM pairs WHERE edgeSubject != '' AND meshSubject != '' AND edgeSubject != meshSubject
        UNION ALL
        SELECT 'broken_propagation', ts, edgeTrace, meshTrace, edgeSubject, edgeDecision, edgeReason, edgeService, meshService, edgeKey
        FROM pairs WHERE method != 'trace_id'
        UNION ALL
        SELECT 'stale_key', t.Start, t.TraceId, '', t.edgeSubject, t.edgeDecision, t.edgeReason, t.edgeService, '', t.edgeKey
        FROM traces AS t INNER JOIN keys AS k ON k.KeyId = t.edgeKey
        WHERE t.edge > 0 AND t.edgeKey != '' AND dateDiff('second', k.firstSeen, t.Start) > {{key_rotation_hours}} * 3600
        UNION ALL
        SELECT 'mesh_without_edge', t.Start, t.TraceId, t.TraceId, t.meshSubject, '', '', '', t.meshService, ''
        FROM traces AS t
        WHERE t.mesh > 0 AND t.edge = 0 AND t.TraceId NOT IN (SELECT MeshTraceId FROM seam_links)
    )
SELECT
    f.kind AS Kind,
    f.ts AS Timestamp,
    f.edgeTrace AS TraceId,
    f.meshTrace AS MeshTraceId,
    f.subject AS Subject,
    f.edgeDecision AS EdgeDecision,
    f.edgeReason AS EdgeReason,
    if(f.meshTrace = '', '', v.meshDecision) AS MeshDecision,
    if(f.meshTrace = '', '', v.meshReason) AS MeshReason,
    if(f.meshTrace = '', '', v.meshPolicy) AS MeshPolicy,
    f.edgeService AS EdgeService,
    f.meshService AS MeshService,
    f.edgeKey AS KeyId
FROM found AS f
LEFT JOIN meshVerdicts AS v ON v.TraceId = f.meshTrace
SETTINGS join_use_nulls = 0;
