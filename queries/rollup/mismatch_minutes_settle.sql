-- Written after the mismatches: a minute reads from the rollup only once its generation is complete.
INSERT INTO seam_mismatch_minutes (Minute, Generation, SettledBefore)
SELECT toDateTime(arrayJoin({minutes:Array(UInt32)})), {generation:UInt64}, toDateTime({settledBefore:UInt32})
