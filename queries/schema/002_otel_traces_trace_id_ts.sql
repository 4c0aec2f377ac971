-- The trace-id lookup the Grafana ClickHouse data source (OTel mode) reads: `<traces table>_trace_id_ts`.
-- Same shape and view as the OpenTelemetry Collector exporter's, so readers take min(Start), max(End) + 1.
CREATE TABLE IF NOT EXISTS {{local otel_traces_trace_id_ts}} {{on_cluster}}
(
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta(4), ZSTD(1)),
    End DateTime CODEC(Delta(4), ZSTD(1)),
    -- Retention counts from arrival, so spans with old or skewed clocks are kept as long as any others.
    InsertedAt DateTime DEFAULT now() CODEC(Delta(4), ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = {{engine MergeTree}}
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{distributed otel_traces_trace_id_ts cityHash64(TraceId)}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local otel_traces_trace_id_ts_mv}} {{on_cluster}}
TO {{local otel_traces_trace_id_ts}}
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM {{local otel_traces}}
WHERE TraceId != ''
GROUP BY TraceId;
