-- Minutes whose decision rows are not all covered by a rollup generation and have been quiet since
-- before {settledBefore}: no row is still on its way, so a count computed now stays right.
SELECT toUnixTimestamp(Minute) AS minute
FROM seam_decision_minutes
GROUP BY Minute
HAVING max(SettledBefore) <= max(LastInsert) AND max(LastInsert) < toDateTime({settledBefore:UInt32})
ORDER BY Minute
LIMIT {limit:UInt32}
