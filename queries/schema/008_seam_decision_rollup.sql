-- Decision counts per minute, so that analytics over hours and days read a few thousand rows instead of
-- merging every decision point. A decision point can still change after it was counted (its access
-- log or the proxy span it forwarded to arrives later), so a minute's counts are trusted only while no
-- decision row has arrived for that minute since they were computed; other minutes are computed from
-- seam_decisions when read (seam_decision_counts_between in R_correlation_views.sql). The collector
-- recomputes minutes that received rows (collector/src/rollup/), so late evidence costs one
-- recomputation of its minute, never a wrong count.

-- Per minute of decision-point time: when a decision row for it last arrived, and which rollup
-- generation (if any) covers every row that arrived before SettledBefore.
CREATE TABLE IF NOT EXISTS {{local seam_decision_minutes}} {{on_cluster}}
(
    Minute DateTime,
    LastInsert SimpleAggregateFunction(max, DateTime),
    Generation SimpleAggregateFunction(max, UInt64),
    SettledBefore SimpleAggregateFunction(max, DateTime),
    -- Retention counts from arrival, as for the decisions themselves: minutes of old-timestamped data
    -- are kept as long as that data.
    InsertedAt SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY toDate(Minute)
ORDER BY Minute
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_decision_minutes cityHash64(Minute)}}

-- Fed by the rows seam_decisions receives from its own views, whatever their source.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_decision_minutes_mv}} {{on_cluster}}
TO {{local seam_decision_minutes}}
AS SELECT
    toStartOfMinute(Timestamp) AS Minute,
    max(InsertedAt) AS LastInsert
FROM {{local seam_decisions}}
GROUP BY Minute;

-- Decision rows stored before this table existed have no minute yet: they are read live until rolled up.
INSERT INTO {{sharded seam_decision_minutes}} (Minute, LastInsert)
SELECT toStartOfMinute(Timestamp) AS minute, max(InsertedAt)
FROM {{sharded seam_decisions}}
GROUP BY minute;

-- Decision points per minute and dimension, one generation per recomputation of a minute. Readers
-- take only the generation seam_decision_minutes names; merges drop older generations.
CREATE TABLE IF NOT EXISTS {{local seam_decision_rollup}} {{on_cluster}}
(
    Minute DateTime,
    Generation UInt64,
    Layer LowCardinality(String),
    ServiceName LowCardinality(String),
    Groups Array(String),
    Decision LowCardinality(String),
    Reason LowCardinality(String),
    Policy String,
    Evidence LowCardinality(String),
    DryRunResult LowCardinality(String),
    DryRunPolicy String,
    Points UInt64,
    InsertedAt DateTime DEFAULT now()
)
ENGINE = {{engine ReplacingMergeTree(Generation)}}
PARTITION BY toDate(Minute)
ORDER BY (Minute, Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_decision_rollup cityHash64(Minute)}}
