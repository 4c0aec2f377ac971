-- Join keys between an edge request and the mesh request it caused, for traces whose ids differ
-- (Workers' built-in tracing never propagates; a B3-only mesh ignores traceparent).
-- One row per (span, method). On a cluster this table is sharded by a hash of Key, not of TraceId:
-- the edge row and the mesh row of one ray id / request id / subject then meet on one shard even
-- though their traces live on different shards, and the link query runs shard-locally.
CREATE TABLE IF NOT EXISTS {{local seam_join_keys}} {{on_cluster}}
(
    Method LowCardinality(String),
    Key String CODEC(ZSTD(1)),
    Side LowCardinality(String),
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    Subject String CODEC(ZSTD(1)),
    -- Retention counts from arrival, so spans with old or skewed clocks are kept as long as any others.
    InsertedAt DateTime DEFAULT now() CODEC(Delta(4), ZSTD(1))
)
ENGINE = {{engine ReplacingMergeTree}}
PARTITION BY toDate(Timestamp)
ORDER BY (Method, Key, Side, TraceId, SpanId)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_join_keys cityHash64(Key)}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_join_keys_mv}} {{on_cluster}}
TO {{sharded seam_join_keys}}
AS SELECT
    key.1 AS Method,
    key.2 AS Key,
    if(JoinRole = 'mesh_entry', 'mesh', 'edge') AS Side,
    Timestamp,
    TraceId,
    SpanId,
    Subject
FROM {{local otel_traces}}
ARRAY JOIN [
    ('cf_ray', if(JoinRole IN ('edge_request', 'mesh_entry'), RayId, '')),
    ('request_id', if(JoinRole IN ('edge_subrequest', 'mesh_entry'), RequestId, '')),
    ('identity_time', if(JoinRole IN ('edge_subrequest', 'mesh_entry'), Subject, ''))
] AS key
WHERE JoinRole != '' AND key.2 != '' AND TraceId != '';
