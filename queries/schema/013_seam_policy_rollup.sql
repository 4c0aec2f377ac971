-- Policy simulation input per minute, so that a simulation over hours and days reads one row per request
-- shape and minute instead of correlating every decision point with its edge request again (the links
-- alone cost about 25 s for a day at 10 M spans). A shape is what a route policy or AuthorizationPolicy
-- can match on; the subject is kept only as "recorded or not", because most policies name no single
-- caller, and a simulation whose policies do reads the points themselves (collector/src/policy/).
-- A minute's shapes depend on every row near it, exactly as its mismatches do, so a minute is trusted
-- while no row has arrived within the near margin since it was computed: its LastInsert is the one
-- seam_mismatch_minutes keeps, and this table adds only the rollup's own generation.

CREATE TABLE IF NOT EXISTS {{local seam_policy_minutes}} {{on_cluster}}
(
    Minute DateTime,
    Generation SimpleAggregateFunction(max, UInt64),
    SettledBefore SimpleAggregateFunction(max, DateTime),
    InsertedAt SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY Minute
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_policy_minutes cityHash64(Minute)}}

-- One row per minute and shape, one generation per recomputation; readers take the generation
-- seam_policy_minutes names. Samples are some of the shape's points in that minute, for listing flips.
CREATE TABLE IF NOT EXISTS {{local seam_policy_rollup}} {{on_cluster}}
(
    Minute DateTime,
    Generation UInt64,
    ShapeHash UInt64,
    Layer LowCardinality(String),
    ServiceName LowCardinality(String),
    Decision LowCardinality(String),
    Reason LowCardinality(String),
    Linked UInt8,
    SubjectRecorded UInt8,
    EdgeIssuer LowCardinality(String),
    MappingVersion LowCardinality(String),
    Groups Array(String),
    Method LowCardinality(String),
    Host LowCardinality(String),
    Path String CODEC(ZSTD(1)),
    InboundPort LowCardinality(String),
    Namespace LowCardinality(String),
    CanonicalService LowCardinality(String),
    CanonicalRevision LowCardinality(String),
    UserAgent String CODEC(ZSTD(1)),
    SourceNamespace LowCardinality(String),
    Points UInt64,
    Samples Array(Tuple(DateTime64(9), String, String, String)) CODEC(ZSTD(1)),
    InsertedAt DateTime DEFAULT now()
)
ENGINE = {{engine ReplacingMergeTree(Generation)}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, ShapeHash)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_policy_rollup cityHash64(Minute)}}
