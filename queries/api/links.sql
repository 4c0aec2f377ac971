-- Edge ↔ mesh links in a window (edge request start), newest first, one page; by default only those that
-- needed a fallback method, because a shared trace id is the healthy case.
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, * EXCEPT ts
FROM seam_link_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND (({method:String} = '' AND method != 'trace_id') OR method = {method:String})
    AND ({scoped:UInt8} = 0
         OR hasAny({scope:Array(String)}, [edgeService, splitByChar('.', edgeService)[-1], meshService, splitByChar('.', meshService)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (ts, edgeTraceId, meshTraceId) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY ts DESC, edgeTraceId DESC, meshTraceId DESC
LIMIT {limit:UInt32}
