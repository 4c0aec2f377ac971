-- Mismatches on either side of the given traces.
SELECT
    Kind AS kind,
    toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
    TraceId AS traceId,
    MeshTraceId AS meshTraceId,
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
WHERE TraceId IN {traceIds:Array(String)} OR MeshTraceId IN {traceIds:Array(String)}
ORDER BY Timestamp, Kind, TraceId, MeshTraceId
