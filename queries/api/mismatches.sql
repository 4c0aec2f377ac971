-- Mismatches in a window, newest first, one page: keyset on (Timestamp, TraceId, Kind:MeshTraceId).
SELECT
    Kind AS kind,
    toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
    TraceId AS traceId,
    MeshTraceId AS meshTraceId,
    concat(Kind, ':', MeshTraceId) AS tieBreak,
    Subject AS subject,
    EdgeDecision AS edgeDecision,
    EdgeReason AS edgeReason,
    MeshDecision AS meshDecision,
    MeshReason AS meshReason,
    MeshPolicy AS meshPolicy,
    EdgeService AS edgeService,
    MeshService AS meshService,
    KeyId AS keyId
FROM seam_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({kind:String} = '' OR Kind = {kind:String})
    AND ({scoped:UInt8} = 0
         OR hasAny({scope:Array(String)}, [EdgeService, splitByChar('.', EdgeService)[-1], MeshService, splitByChar('.', MeshService)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (Timestamp, TraceId, tieBreak) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY Timestamp DESC, TraceId DESC, tieBreak DESC
LIMIT {limit:UInt32}
