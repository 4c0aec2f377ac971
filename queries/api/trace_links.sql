-- Links in which the trace takes part, on either side.
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, * EXCEPT ts
FROM seam_link_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE edgeTraceId = {traceId:String} OR meshTraceId = {traceId:String}
ORDER BY indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], method), meshTraceId, edgeTraceId
