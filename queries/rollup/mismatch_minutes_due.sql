-- Minutes whose mismatches are not covered by a settled generation and whose whole neighbourhood has
-- been quiet since before {settledBefore}: no row they depend on is still on its way. The window starts
-- a day after the epoch because the view widens it backwards by the near margin.
SELECT toUnixTimestamp(Minute) AS minute
FROM seam_mismatch_minute_states_between(fromNs = 86400000000000, toNs = 7258118400000000000)
WHERE NOT Settled AND NearLastInsert < toDateTime({settledBefore:UInt32})
ORDER BY Minute
LIMIT {limit:UInt32}
