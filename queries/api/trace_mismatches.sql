-- Mismatches on either side of the given traces.
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, * EXCEPT ts
FROM seam_mismatch_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE traceId IN {traceIds:Array(String)} OR meshTraceId IN {traceIds:Array(String)}
ORDER BY ts, kind, traceId, meshTraceId
