-- Access logs (Istio's envoyOtelAls provider) and any other OTLP logs. Columns are a superset of the
-- OpenTelemetry Collector exporter's `otel_logs`; Seam adds the decision read from
-- `response_code_details`, and the join keys, so a log joins its span by (TraceId, SpanId).
CREATE TABLE IF NOT EXISTS {{local otel_logs}} {{on_cluster}}
(
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Subject String CODEC(ZSTD(1)),
    Decision LowCardinality(String) CODEC(ZSTD(1)),
    DecisionReason LowCardinality(String) CODEC(ZSTD(1)),
    DecisionPolicy String CODEC(ZSTD(1)),
    HttpStatus UInt16 CODEC(T64, ZSTD(1)),
    RayId String CODEC(ZSTD(1)),
    RequestId String CODEC(ZSTD(1)),
    -- Retention counts from arrival, so spans with old or skewed clocks are kept as long as any others.
    InsertedAt DateTime DEFAULT now() CODEC(Delta(4), ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = {{engine MergeTree}}
PARTITION BY toDate(TimestampTime)
ORDER BY (TraceId, SpanId, TimestampTime)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{distributed otel_logs cityHash64(TraceId)}}
