-- Mismatches of settled minutes, from the rollup generations the caller read in mismatch_minutes.sql
-- (named here, so a minute settling meanwhile is not read twice), and stale_key, which is never
-- stored, correlated from rows; newest first, one page, as in mismatches.sql.
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, concat(kind, ':', meshTraceId) AS tieBreak, * EXCEPT ts
FROM
(
    SELECT Kind AS kind, Timestamp AS ts, TraceId AS traceId, MeshTraceId AS meshTraceId, Subject AS subject,
           EdgeDecision AS edgeDecision, EdgeReason AS edgeReason, MeshDecision AS meshDecision, MeshReason AS meshReason,
           MeshPolicy AS meshPolicy, EdgeService AS edgeService, MeshService AS meshService, KeyId AS keyId,
           MeshEvidence AS meshEvidence, MeshSpanId AS meshSpanId, MeshEntryService AS meshEntryService
    FROM
    (
        SELECT Kind, Timestamp, TraceId, MeshTraceId, Subject, EdgeDecision, EdgeReason, MeshDecision, MeshReason,
               MeshPolicy, EdgeService, MeshService, KeyId, MeshEvidence, MeshSpanId, MeshEntryService
        FROM seam_mismatch_rollup
        WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})
          AND (Minute, Generation) IN (SELECT arrayJoin(arrayZip(arrayMap(m -> toDateTime(m), {minutes:Array(UInt32)}), arrayMap(g -> toUInt64(g), {generations:Array(String)}))))
        UNION ALL
        SELECT * FROM seam_stale_key_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
    )
)
WHERE ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND ({kind:String} = '' OR kind = {kind:String})
    AND ({scoped:UInt8} = 0
         OR hasAny({scope:Array(String)}, [edgeService, splitByChar('.', edgeService)[-1], meshService, splitByChar('.', meshService)[-1],
                                         meshEntryService, splitByChar('.', meshEntryService)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (ts, traceId, tieBreak) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY ts DESC, traceId DESC, tieBreak DESC
LIMIT {limit:UInt32}
