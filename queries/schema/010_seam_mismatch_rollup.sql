-- Mismatches per minute, so that lists over hours and days read stored rows instead of correlating
-- every trace again. A minute's mismatches depend on every row near it (the other half of a request,
-- its access log, an identity link's partner lie within the near margin), so they are trusted only
-- while no trace summary, join key or decision row has arrived for any minute within that margin
-- since they were computed; other minutes are correlated when read. The collector recomputes minutes
-- whose neighbourhood received rows (collector/src/rollup/). stale_key is never stored: a key seen
-- later in older data moves its first sighting back and makes requests hours away stale.

-- Per minute of data time: when a row the mismatch view reads last arrived for it, and which rollup
-- generation (if any) covers every row that arrived near it before SettledBefore.
CREATE TABLE IF NOT EXISTS {{local seam_mismatch_minutes}} {{on_cluster}}
(
    Minute DateTime,
    LastInsert SimpleAggregateFunction(max, DateTime),
    Generation SimpleAggregateFunction(max, UInt64),
    SettledBefore SimpleAggregateFunction(max, DateTime),
    InsertedAt SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY Minute
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_mismatch_minutes cityHash64(Minute)}}

-- One view per table the mismatch view reads, each on the time column that view filters by.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_mismatch_minutes_from_summary_mv}} {{on_cluster}}
TO {{local seam_mismatch_minutes}}
AS SELECT toStartOfMinute(Start) AS Minute, max(InsertedAt) AS LastInsert
FROM {{local seam_trace_summary}}
GROUP BY Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_mismatch_minutes_from_join_keys_mv}} {{on_cluster}}
TO {{local seam_mismatch_minutes}}
AS SELECT toStartOfMinute(Timestamp) AS Minute, max(InsertedAt) AS LastInsert
FROM {{local seam_join_keys}}
GROUP BY Minute;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_mismatch_minutes_from_decisions_mv}} {{on_cluster}}
TO {{local seam_mismatch_minutes}}
AS SELECT toStartOfMinute(Timestamp) AS Minute, max(InsertedAt) AS LastInsert
FROM {{local seam_decisions}}
GROUP BY Minute;

-- Rows stored before this table existed have no minute yet: they are correlated live until rolled up.
INSERT INTO {{sharded seam_mismatch_minutes}} (Minute, LastInsert)
SELECT toStartOfMinute(Start) AS minute, max(InsertedAt) FROM {{sharded seam_trace_summary}} GROUP BY minute;

-- One generation of a minute's mismatches per recomputation. Readers take only the generation
-- seam_mismatch_minutes names for a settled minute; merges drop older copies of the same mismatch.
CREATE TABLE IF NOT EXISTS {{local seam_mismatch_rollup}} {{on_cluster}}
(
    Minute DateTime,
    Generation UInt64,
    Kind LowCardinality(String),
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    MeshTraceId String CODEC(ZSTD(1)),
    Subject String CODEC(ZSTD(1)),
    EdgeDecision LowCardinality(String),
    EdgeReason LowCardinality(String),
    MeshDecision LowCardinality(String),
    MeshReason LowCardinality(String),
    MeshPolicy String CODEC(ZSTD(1)),
    EdgeService LowCardinality(String),
    MeshService LowCardinality(String),
    KeyId String CODEC(ZSTD(1)),
    InsertedAt DateTime DEFAULT now()
)
ENGINE = {{engine ReplacingMergeTree(Generation)}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, Kind, TraceId, MeshTraceId)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_mismatch_rollup cityHash64(Minute)}}
