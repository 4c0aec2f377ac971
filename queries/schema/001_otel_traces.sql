-- Spans. Columns are a superset of the OpenTelemetry Collector ClickHouse exporter's `otel_traces`,
-- so Grafana's ClickHouse data source (OTel mode) and ClickStack read it unchanged.
-- Seam's derived columns follow the standard ones; they are filled at ingest by the enrichers.
--
-- ORDER BY (TraceId, Timestamp): Seam reads this table almost only by trace id (API, Grafana trace view,
-- investigate); analytics run on the small derived tables. Ordering by trace id makes a trace one
-- contiguous range per part, and the trace-id lookup table narrows the partitions (days) to read.
-- Time-window scans still prune by the daily partition. The exporter's TraceId bloom filter is
-- redundant with this key, and its bloom filter over every attribute value costs more at insert than
-- it saves: Seam's lookups by subject, ray id and request id have their own columns and indexes.
CREATE TABLE IF NOT EXISTS {{local otel_traces}} {{on_cluster}}
(
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    -- Seam: edge | gateway | sidecar | app
    Layer LowCardinality(String) CODEC(ZSTD(1)),
    -- Seam: identity as claims, never the token
    Subject String CODEC(ZSTD(1)),
    Issuer LowCardinality(String) CODEC(ZSTD(1)),
    Groups Array(LowCardinality(String)) CODEC(ZSTD(1)),
    KeyId LowCardinality(String) CODEC(ZSTD(1)),
    MappingVersion LowCardinality(String) CODEC(ZSTD(1)),
    -- Seam: the authorization decision taken at this span, empty where the span is no decision point
    Decision LowCardinality(String) CODEC(ZSTD(1)),
    DecisionReason LowCardinality(String) CODEC(ZSTD(1)),
    DecisionPolicy String CODEC(ZSTD(1)),
    DecisionEvidence LowCardinality(String) CODEC(ZSTD(1)),
    DryRunResult LowCardinality(String) CODEC(ZSTD(1)),
    DryRunPolicy String CODEC(ZSTD(1)),
    HttpStatus UInt16 CODEC(T64, ZSTD(1)),
    -- Seam: join keys between an edge request and the mesh request it caused
    JoinRole LowCardinality(String) CODEC(ZSTD(1)),
    RayId String CODEC(ZSTD(1)),
    RequestId String CODEC(ZSTD(1)),
    -- Retention counts from arrival, so spans with old or skewed clocks are kept as long as any others.
    InsertedAt DateTime DEFAULT now() CODEC(Delta(4), ZSTD(1)),
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_subject Subject TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_ray RayId TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_request RequestId TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = {{engine MergeTree}}
PARTITION BY toDate(Timestamp)
ORDER BY (TraceId, Timestamp)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

{{distributed otel_traces cityHash64(TraceId)}}
