-- One logical row per trace, merged from spans that arrive in any order, however late.
-- The edge half and the mesh half of a trace may land in different inserts, replicas and days; readers
-- GROUP BY TraceId, which makes the result independent of merge progress.
CREATE TABLE IF NOT EXISTS {{local seam_trace_summary}} {{on_cluster}}
(
    Day Date,
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime64(9)),
    End SimpleAggregateFunction(max, DateTime64(9)),
    SpanCount SimpleAggregateFunction(sum, UInt64),
    ErrorCount SimpleAggregateFunction(sum, UInt64),
    Layers SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    Services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    Subjects SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    EdgeRequests SimpleAggregateFunction(sum, UInt64),
    EdgeService SimpleAggregateFunction(max, String),
    EdgeSubject SimpleAggregateFunction(max, String),
    EdgeDecision SimpleAggregateFunction(max, String),
    EdgeReason SimpleAggregateFunction(max, String),
    EdgeKeyId SimpleAggregateFunction(max, String),
    EdgeRayId SimpleAggregateFunction(max, String),
    EdgeRequestId SimpleAggregateFunction(max, String),
    MeshEntries SimpleAggregateFunction(sum, UInt64),
    MeshService SimpleAggregateFunction(max, String),
    MeshSubject SimpleAggregateFunction(max, String),
    MeshRayId SimpleAggregateFunction(max, String),
    MeshRequestId SimpleAggregateFunction(max, String),
    -- Retention counts from arrival, so spans with old or skewed clocks are kept as long as any others.
    InsertedAt SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY Day
ORDER BY TraceId
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_trace_summary cityHash64(TraceId)}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_trace_summary_from_spans_mv}} {{on_cluster}}
TO {{local seam_trace_summary}}
AS SELECT
    toDate(Timestamp) AS Day,
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp + toIntervalNanosecond(Duration)) AS End,
    count() AS SpanCount,
    countIf(StatusCode = 'Error') AS ErrorCount,
    groupUniqArray(toString(Layer)) AS Layers,
    groupUniqArray(toString(ServiceName)) AS Services,
    groupUniqArrayIf(Subject, Subject != '') AS Subjects,
    countIf(JoinRole = 'edge_request') AS EdgeRequests,
    maxIf(toString(ServiceName), JoinRole = 'edge_request') AS EdgeService,
    maxIf(Subject, JoinRole = 'edge_request') AS EdgeSubject,
    maxIf(toString(Decision), JoinRole = 'edge_request') AS EdgeDecision,
    maxIf(toString(DecisionReason), JoinRole = 'edge_request') AS EdgeReason,
    maxIf(toString(KeyId), JoinRole = 'edge_request') AS EdgeKeyId,
    maxIf(RayId, JoinRole = 'edge_request') AS EdgeRayId,
    maxIf(RequestId, JoinRole = 'edge_subrequest') AS EdgeRequestId,
    countIf(JoinRole = 'mesh_entry') AS MeshEntries,
    maxIf(toString(ServiceName), JoinRole = 'mesh_entry') AS MeshService,
    maxIf(Subject, JoinRole = 'mesh_entry') AS MeshSubject,
    maxIf(RayId, JoinRole = 'mesh_entry') AS MeshRayId,
    maxIf(RequestId, JoinRole = 'mesh_entry') AS MeshRequestId
FROM {{local otel_traces}}
WHERE TraceId != ''
GROUP BY Day, TraceId;

