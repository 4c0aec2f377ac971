-- One caller's decisions, edge and mesh, oldest first, one page: keyset on (Timestamp, TraceId, SpanId).
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
WHERE Subject = {subject:String}
    -- The page's points first, by key from the subject's own rows, so the view merges only those; twice
    -- the page, since a point whose rows name two subjects is listed under both.
    AND (TraceId, SpanId) IN (
        SELECT TraceId, SpanId
        FROM seam_subject_points
        WHERE Subject = {subject:String}
          AND Day BETWEEN toDate32(fromUnixTimestamp64Nano({fromNs:Int64})) - 1 AND toDate32(fromUnixTimestamp64Nano({toNs:Int64})) + 1
        GROUP BY TraceId, SpanId
        HAVING min(Timestamp) BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
           AND ({hasCursor:UInt8} = 0
                OR (min(Timestamp), TraceId, SpanId) > (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
        ORDER BY min(Timestamp), TraceId, SpanId
        LIMIT 2 * {limit:UInt32}
    )
    AND Timestamp BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [ServiceName, splitByChar('.', ServiceName)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (Timestamp, TraceId, SpanId) > (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY Timestamp, TraceId, SpanId
LIMIT {limit:UInt32}
