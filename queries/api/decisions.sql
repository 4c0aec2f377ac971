-- Decision records in a window, newest first, one page: keyset on (ts, traceId, spanId), so pages
-- stay exact while rows arrive. seam_decision_points merges the decision rows and settles their evidence.
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, * EXCEPT ts
FROM seam_decision_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({subject:String} = '' OR subject = {subject:String})
    AND ({layer:String} = '' OR layer = {layer:String})
    AND ({decision:String} = '' OR decision = {decision:String})
    AND ({reason:String} = '' OR reason = {reason:String})
    AND ({service:String} = '' OR service = {service:String})
    AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [service, splitByChar('.', service)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (ts, traceId, spanId) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY ts DESC, traceId DESC, spanId DESC
LIMIT {limit:UInt32}
