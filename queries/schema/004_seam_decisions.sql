-- One logical row per authorization decision point (TraceId, SpanId): the edge's own verdict, and each
-- mesh proxy that could deny. A span and its access-log record may arrive in either order, minutes apart,
-- on different replicas; both feed this table and the strongest evidence wins at merge and at read time
-- (argMax by EvidenceRank: explicit 4 > access_log 3 > span 2 > inferred 1).
-- Readers GROUP BY TraceId, SpanId and use the -Merge combinators (queries/api/*.sql).
CREATE TABLE IF NOT EXISTS {{local seam_decisions}} {{on_cluster}}
(
    Day Date,
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    Timestamp SimpleAggregateFunction(min, DateTime64(9)),
    -- 1 once a span marked this point as a decision point, or an access log reported a deny here;
    -- an access-log allow alone (an outbound hop) is no decision point.
    IsDecisionPoint SimpleAggregateFunction(max, UInt8),
    -- 1 once a proxy span arrived whose parent is this span: the proxy called upstream, so a 401/403
    -- seen on this span came back from upstream and was not this proxy's own local reply.
    Forwarded SimpleAggregateFunction(max, UInt8),
    ParentSpanId SimpleAggregateFunction(max, String),
    Layer SimpleAggregateFunction(max, String),
    ServiceName SimpleAggregateFunction(max, String),
    SpanName SimpleAggregateFunction(max, String),
    Subject SimpleAggregateFunction(max, String),
    Issuer SimpleAggregateFunction(max, String),
    KeyId SimpleAggregateFunction(max, String),
    MappingVersion SimpleAggregateFunction(max, String),
    Groups SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    HttpStatus SimpleAggregateFunction(max, UInt16),
    DryRunResult SimpleAggregateFunction(max, String),
    DryRunPolicy SimpleAggregateFunction(max, String),
    Decision AggregateFunction(argMax, String, UInt8),
    Reason AggregateFunction(argMax, String, UInt8),
    Policy AggregateFunction(argMax, String, UInt8),
    Evidence AggregateFunction(argMax, String, UInt8),
    -- Retention counts from arrival, so spans with old or skewed clocks are kept as long as any others.
    InsertedAt SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY Day
ORDER BY (TraceId, SpanId)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_decisions cityHash64(TraceId)}}

-- The views read renamed columns from a subquery so that no output alias shadows an input column.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_decisions_from_spans_mv}} {{on_cluster}}
TO {{local seam_decisions}}
AS SELECT
    day AS Day,
    trace AS TraceId,
    span AS SpanId,
    min(ts) AS Timestamp,
    toUInt8(1) AS IsDecisionPoint,
    max(parent) AS ParentSpanId,
    max(layer) AS Layer,
    max(service) AS ServiceName,
    max(name) AS SpanName,
    max(subject) AS Subject,
    max(issuer) AS Issuer,
    max(kid) AS KeyId,
    max(mapping) AS MappingVersion,
    groupUniqArrayArray(groups) AS Groups,
    max(status) AS HttpStatus,
    max(dry_result) AS DryRunResult,
    max(dry_policy) AS DryRunPolicy,
    argMaxState(decision, rank) AS Decision,
    argMaxState(reason, rank) AS Reason,
    argMaxState(policy, rank) AS Policy,
    argMaxState(evidence, rank) AS Evidence
FROM
(
    SELECT
        toDate(Timestamp) AS day,
        TraceId AS trace,
        SpanId AS span,
        Timestamp AS ts,
        ParentSpanId AS parent,
        toString(Layer) AS layer,
        toString(ServiceName) AS service,
        toString(SpanName) AS name,
        Subject AS subject,
        toString(Issuer) AS issuer,
        toString(KeyId) AS kid,
        toString(MappingVersion) AS mapping,
        arrayMap(g -> toString(g), Groups) AS groups,
        HttpStatus AS status,
        toString(DryRunResult) AS dry_result,
        DryRunPolicy AS dry_policy,
        toString(Decision) AS decision,
        toString(DecisionReason) AS reason,
        DecisionPolicy AS policy,
        toString(DecisionEvidence) AS evidence,
        toUInt8(multiIf(DecisionEvidence = 'explicit', 4, DecisionEvidence = 'access_log', 3, DecisionEvidence = 'span', 2, 1)) AS rank
    FROM {{local otel_traces}}
    WHERE Decision != ''
)
GROUP BY day, trace, span;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_decisions_from_logs_mv}} {{on_cluster}}
TO {{local seam_decisions}}
AS SELECT
    day AS Day,
    trace AS TraceId,
    span AS SpanId,
    min(ts) AS Timestamp,
    max(toUInt8(decision = 'deny')) AS IsDecisionPoint,
    max(subject) AS Subject,
    max(status) AS HttpStatus,
    argMaxState(decision, toUInt8(3)) AS Decision,
    argMaxState(reason, toUInt8(3)) AS Reason,
    argMaxState(policy, toUInt8(3)) AS Policy,
    argMaxState('access_log', toUInt8(3)) AS Evidence
FROM
(
    SELECT
        toDate(Timestamp) AS day,
        TraceId AS trace,
        SpanId AS span,
        Timestamp AS ts,
        Subject AS subject,
        HttpStatus AS status,
        toString(Decision) AS decision,
        toString(DecisionReason) AS reason,
        DecisionPolicy AS policy
    FROM {{local otel_logs}}
    WHERE Decision != '' AND TraceId != '' AND SpanId != ''
)
GROUP BY day, trace, span;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_decisions_forwarded_mv}} {{on_cluster}}
TO {{local seam_decisions}}
AS SELECT
    toDate(Timestamp) AS Day,
    TraceId,
    ParentSpanId AS SpanId,
    -- The child starts after its parent, so min() still keeps the parent's own start once it arrives.
    Timestamp,
    toUInt8(1) AS Forwarded
FROM {{local otel_traces}}
WHERE ParentSpanId != '' AND Layer IN ('gateway', 'sidecar') AND (SpanKind = 'Server' OR startsWith(SpanName, 'router '));
