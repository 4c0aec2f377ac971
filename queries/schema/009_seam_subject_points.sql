-- Each subject's decision points, by subject, so that one caller's timeline is a key lookup followed by
-- the merge of one page of points, rather than a scan of every decision in the window.
CREATE TABLE IF NOT EXISTS {{local seam_subject_points}} {{on_cluster}}
(
    Subject String CODEC(ZSTD(1)),
    Day Date,
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    Timestamp SimpleAggregateFunction(min, DateTime64(9)),
    -- Retention counts from arrival, as for the decisions it points to.
    InsertedAt SimpleAggregateFunction(max, DateTime) DEFAULT now()
)
ENGINE = {{engine AggregatingMergeTree}}
PARTITION BY Day
ORDER BY (Subject, TraceId, SpanId)
TTL InsertedAt + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

{{distributed seam_subject_points cityHash64(TraceId)}}

-- Fed by the rows seam_decisions receives, whatever their source (spans or access logs). Sharded like
-- seam_decisions, so a shard's points and their decisions stay together.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_subject_points_mv}} {{on_cluster}}
TO {{local seam_subject_points}}
AS SELECT Subject, Day, TraceId, SpanId, min(Timestamp) AS Timestamp
FROM {{local seam_decisions}}
WHERE Subject != ''
GROUP BY Subject, Day, TraceId, SpanId;

INSERT INTO {{sharded seam_subject_points}} (Subject, Day, TraceId, SpanId, Timestamp)
SELECT Subject, Day, TraceId, SpanId, min(Timestamp)
FROM {{sharded seam_decisions}}
WHERE Subject != ''
GROUP BY Subject, Day, TraceId, SpanId;
