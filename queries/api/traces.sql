-- Trace search, newest first, one page: keyset on (Start, TraceId). seam_trace_summary is merged on read
-- (GROUP BY TraceId); Day only prunes partitions, since a trace's later rows never precede its first day.
-- The correlated subqueries look back a day before the window: the other side of a linked pair may have
-- started before the trace that carries its mismatch or denial.
SELECT
    TraceId AS traceId,
    toString(toUnixTimestamp64Nano(min(Start))) AS ts,
    toString(toUnixTimestamp64Nano(max(End))) AS endNs,
    sum(SpanCount) AS spanCount,
    sum(ErrorCount) AS errorCount,
    arrayFilter(x -> x != '', groupUniqArrayArray(Layers)) AS layers,
    arrayFilter(x -> x != '', groupUniqArrayArray(Services)) AS services,
    groupUniqArrayArray(Subjects) AS subjects,
    max(EdgeService) AS edgeService,
    max(EdgeSubject) AS edgeSubject,
    max(EdgeDecision) AS edgeDecision,
    max(EdgeReason) AS edgeReason,
    max(MeshService) AS meshService,
    TraceId IN (
        SELECT TraceId FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
        WHERE Layer != 'edge' AND Decision = 'deny' AND Timestamp >= fromUnixTimestamp64Nano({fromNs:Int64}) - INTERVAL 1 DAY
    ) AS meshDenied
FROM seam_trace_summary
WHERE Day >= toDate(fromUnixTimestamp64Nano({fromNs:Int64}))
GROUP BY TraceId
HAVING min(Start) BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({subject:String} = '' OR has(subjects, {subject:String}))
    AND ({service:String} = '' OR has(services, {service:String}))
    AND ({decision:String} = ''
         OR ({decision:String} = 'deny' AND (edgeDecision = 'deny' OR meshDenied = 1))
         OR ({decision:String} = 'allow' AND edgeDecision != 'deny' AND meshDenied = 0))
    AND ({rayId:String} = '' OR max(EdgeRayId) = {rayId:String} OR max(MeshRayId) = {rayId:String})
    AND ({requestId:String} = '' OR max(EdgeRequestId) = {requestId:String} OR max(MeshRequestId) = {requestId:String})
    AND ({mismatch:String} = ''
         OR TraceId IN (
             SELECT arrayJoin([TraceId, MeshTraceId]) FROM seam_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
             WHERE ({mismatch:String} = 'any' OR Kind = {mismatch:String})
                 AND Timestamp >= fromUnixTimestamp64Nano({fromNs:Int64}) - INTERVAL 1 DAY))
    AND ({scoped:UInt8} = 0 OR arrayExists(s -> has({scope:Array(String)}, s) OR has({scope:Array(String)}, splitByChar('.', s)[-1]), services))
    AND ({hasCursor:UInt8} = 0 OR (min(Start), TraceId) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}))
ORDER BY min(Start) DESC, TraceId DESC
LIMIT {limit:UInt32}
