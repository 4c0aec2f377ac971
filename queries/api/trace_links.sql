-- Links in which the trace takes part, on either side.
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
WHERE EdgeTraceId = {traceId:String} OR MeshTraceId = {traceId:String}
ORDER BY indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], Method), MeshTraceId, EdgeTraceId
