-- The minutes of the window that hold rows, and whether the policy rollup holds their shapes and they
-- are still right. A minute with no row has no decision point to simulate.
SELECT toUnixTimestamp(Minute) AS minute, Settled AS settled
FROM seam_policy_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
ORDER BY Minute
