-- Mismatches correlated from rows, for the given minutes of the window that the rollup does not cover
-- (stale_key comes with mismatches_settled.sql); newest first, one page: keyset on
-- (ts, traceId, kind:meshTraceId).
SELECT toString(toUnixTimestamp64Nano(ts)) AS timeNs, concat(kind, ':', meshTraceId) AS tieBreak, * EXCEPT ts
FROM seam_mismatch_records_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE ts BETWEEN fromUnixTimestamp64Nano({fromNs:Int64}) AND fromUnixTimestamp64Nano({toNs:Int64})
    AND kind != 'stale_key'
    AND has({minutes:Array(UInt32)}, toUnixTimestamp(toStartOfMinute(ts)))
    AND ({kind:String} = '' OR kind = {kind:String})
    AND ({scoped:UInt8} = 0
         OR hasAny({scope:Array(String)}, [edgeService, splitByChar('.', edgeService)[-1], meshService, splitByChar('.', meshService)[-1],
                                         meshEntryService, splitByChar('.', meshEntryService)[-1]]))
    AND ({hasCursor:UInt8} = 0
         OR (ts, traceId, tieBreak) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
ORDER BY ts DESC, traceId DESC, tieBreak DESC
LIMIT {limit:UInt32}
