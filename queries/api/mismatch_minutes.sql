-- The minutes of a window that hold data, each with its mismatch rollup generation and whether that
-- generation can be read (settled) or the minute must be correlated from rows.
SELECT toUnixTimestamp(Minute) AS minute, toString(Generation) AS generation, Settled AS settled
FROM seam_mismatch_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
ORDER BY Minute
