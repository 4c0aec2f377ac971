-- Minutes whose decision rows are not all covered by a settled generation and have been quiet since
-- before {settledBefore}: no row is still on its way, so a count computed now stays right.
SELECT toUnixTimestamp(Minute) AS minute
FROM seam_decision_minute_states_between(fromNs = 0, toNs = 7258118400000000000)
WHERE NOT Settled AND LastInsert < toDateTime({settledBefore:UInt32})
ORDER BY Minute
LIMIT {limit:UInt32}
