-- Every decision point of the given traces (a trace and the traces linked to it), in time order.
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
WHERE TraceId IN {traceIds:Array(String)}
ORDER BY Timestamp, TraceId, SpanId
