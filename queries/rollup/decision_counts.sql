-- One generation of counts for the given minutes, from the decision rows as they are now.
INSERT INTO seam_decision_rollup
    (Minute, Generation, Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy, Points)
SELECT Minute, {generation:UInt64}, Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy, Points
FROM seam_decision_counts_computed_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}, unsettledOnly = 0)
WHERE has(arrayMap(m -> toDateTime(m), {minutes:Array(UInt32)}), Minute)
