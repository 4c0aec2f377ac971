-- Written after the shapes: a minute reads from the rollup only once its generation is complete.
INSERT INTO seam_policy_minutes (Minute, Generation, SettledBefore)
SELECT toDateTime(arrayJoin({minutes:Array(UInt32)})), {generation:UInt64}, toDateTime({settledBefore:UInt32})
