-- One logical row per authorization decision point (TraceId, SpanId): the edge's own verdict, and each
-- mesh proxy that could deny. A span and its access-log record may arrive in either order, minutes apart,
-- on different replicas; both feed this table and the strongest evidence wins at merge and at read time.
-- Verdict is (evidence rank, decision, reason, policy, evidence) with rank explicit 4 > access_log 3 >
-- span 2 > inferred 1, so max() keeps the strongest, as argMax would, without aggregate states: the
-- views below insert plain rows and need no GROUP BY, which keeps them cheap at ingest.
-- Readers GROUP BY TraceId, SpanId (see seam_decision_points in R_correlation_views.sql).
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
    Verdict SimpleAggregateFunction(max, Tuple(UInt8, String, String, String, String)),
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
    day AS Day, trace AS TraceId, span AS SpanId, ts AS Timestamp, toUInt8(1) AS IsDecisionPoint,
    parent AS ParentSpanId, layer AS Layer, service AS ServiceName, name AS SpanName, subject AS Subject,
    issuer AS Issuer, kid AS KeyId, mapping AS MappingVersion, groups AS Groups, status AS HttpStatus,
    dryResult AS DryRunResult, dryPolicy AS DryRunPolicy, verdict AS Verdict
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
        CAST(Groups, 'Array(String)') AS groups,
        HttpStatus AS status,
        toString(DryRunResult) AS dryResult,
        DryRunPolicy AS dryPolicy,
        tuple(
            toUInt8(multiIf(DecisionEvidence = 'explicit', 4, DecisionEvidence = 'access_log', 3, DecisionEvidence = 'span', 2, 1)),
            toString(Decision), toString(DecisionReason), DecisionPolicy, toString(DecisionEvidence)
        ) AS verdict
    FROM {{local otel_traces}}
    WHERE Decision != ''
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_decisions_from_logs_mv}} {{on_cluster}}
TO {{local seam_decisions}}
AS SELECT
    day AS Day, trace AS TraceId, span AS SpanId, ts AS Timestamp, toUInt8(decision = 'deny') AS IsDecisionPoint,
    subject AS Subject, status AS HttpStatus, tuple(toUInt8(3), decision, reason, policy, 'access_log') AS Verdict
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
);

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
