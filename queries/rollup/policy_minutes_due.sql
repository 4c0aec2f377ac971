-- Minutes whose policy shapes are not covered by a settled generation and whose whole neighbourhood has
-- been quiet since before {settledBefore} (see mismatch_minutes_due.sql).
SELECT toUnixTimestamp(Minute) AS minute
FROM seam_policy_minute_states_between(fromNs = 86400000000000, toNs = 7258118400000000000)
WHERE NOT Settled AND NearLastInsert < toDateTime({settledBefore:UInt32})
ORDER BY Minute
LIMIT {limit:UInt32}
