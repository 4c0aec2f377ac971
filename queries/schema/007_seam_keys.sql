-- Signing keys (kid) seen on edge decisions: first and last use, so key age and requests past the
-- rotation window are answered without scanning spans.
CREATE TABLE IF NOT EXISTS {{local seam_keys}} {{on_cluster}}
(
    KeyId String,
    Issuer String,
    FirstSeen SimpleAggregateFunction(min, DateTime64(9)),
    LastSeen SimpleAggregateFunction(max, DateTime64(9)),
    Requests SimpleAggregateFunction(sum, UInt64)
)
ENGINE = {{engine AggregatingMergeTree}}
ORDER BY (KeyId, Issuer);

{{distributed seam_keys cityHash64(KeyId)}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_keys_mv}} {{on_cluster}}
TO {{sharded seam_keys}}
AS SELECT
    toString(KeyId) AS KeyId,
    toString(Issuer) AS Issuer,
    min(Timestamp) AS FirstSeen,
    max(Timestamp) AS LastSeen,
    count() AS Requests
FROM {{local otel_traces}}
WHERE KeyId != '' AND JoinRole = 'edge_request'
GROUP BY KeyId, Issuer;
