-- One caller's decisions, edge and mesh, oldest first, one page: keyset on (ts, traceId, spanId).
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, * EXCEPT ts
FROM seam_decision_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE subject = {subject:String}
    -- The page's points first, by key from the subject's own rows, so the view merges only those; twice
    -- the page, since a point whose rows name two subjects is listed under both.
    AND (traceId, spanId) IN (
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
    AND ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [service, splitByChar('.', service)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (ts, traceId, spanId) > (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY ts, traceId, spanId
LIMIT {limit:UInt32}
