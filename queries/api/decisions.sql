-- Decision records in a window, newest first, one page: keyset on (Timestamp, TraceId, SpanId), so pages
-- stay exact while rows arrive. seam_decision_points merges the decision rows and settles their evidence.
SELECT
    toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
    TraceId AS traceId,
    SpanId AS spanId,
    Layer AS layer,
    ServiceName AS service,
    Subject AS subject,
    Groups AS groups,
    Decision AS decision,
    Reason AS reason,
    Policy AS policy,
    Evidence AS evidence,
    KeyId AS keyId,
    DryRunResult AS dryRunResult,
    DryRunPolicy AS dryRunPolicy
FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE Timestamp BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({subject:String} = '' OR Subject = {subject:String})
    AND ({layer:String} = '' OR Layer = {layer:String})
    AND ({decision:String} = '' OR Decision = {decision:String})
    AND ({reason:String} = '' OR Reason = {reason:String})
    AND ({service:String} = '' OR ServiceName = {service:String})
    AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [ServiceName, splitByChar('.', ServiceName)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (Timestamp, TraceId, SpanId) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY Timestamp DESC, TraceId DESC, SpanId DESC
LIMIT {limit:UInt32}
