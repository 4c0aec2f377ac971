-- Every decision point of the given traces (a trace and the traces linked to it), in time order.
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, * EXCEPT ts
FROM seam_decision_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE traceId IN {traceIds:Array(String)}
ORDER BY ts, traceId, spanId
