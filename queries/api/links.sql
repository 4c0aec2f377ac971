-- Edge ↔ mesh links in a window (edge request start), newest first, one page; by default only those that
-- needed a fallback method, because a shared trace id is the healthy case.
SELECT
    toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
    EdgeTraceId AS edgeTraceId,
    MeshTraceId AS meshTraceId,
    Method AS method,
    Confidence AS confidence,
    EdgeService AS edgeService,
    MeshService AS meshService,
    Subject AS subject
FROM seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND (({method:String} = '' AND Method != 'trace_id') OR Method = {method:String})
    AND ({scoped:UInt8} = 0
         OR hasAny({scope:Array(String)}, [EdgeService, splitByChar('.', EdgeService)[-1], MeshService, splitByChar('.', MeshService)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (Timestamp, EdgeTraceId, MeshTraceId) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY Timestamp DESC, EdgeTraceId DESC, MeshTraceId DESC
LIMIT {limit:UInt32}
