-- One generation of mismatches for the given minutes, correlated from the rows as they are now.
INSERT INTO seam_mismatch_rollup
    (Minute, Generation, Kind, Timestamp, TraceId, MeshTraceId, Subject, EdgeDecision, EdgeReason, MeshDecision,
     MeshReason, MeshPolicy, EdgeService, MeshService, KeyId, MeshEvidence, MeshSpanId, MeshEntryService)
SELECT toStartOfMinute(Timestamp) AS minute, {generation:UInt64}, Kind, Timestamp, TraceId, MeshTraceId, Subject,
       EdgeDecision, EdgeReason, MeshDecision, MeshReason, MeshPolicy, EdgeService, MeshService, KeyId,
       MeshEvidence, MeshSpanId, MeshEntryService
FROM seam_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
WHERE Kind != 'stale_key' AND has(arrayMap(m -> toDateTime(m), {minutes:Array(UInt32)}), minute)
