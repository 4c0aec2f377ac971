-- Decision points counted per time bucket and the requested dimensions, from the per-minute counts
-- (rollup where settled, rows elsewhere). A dimension not asked for reads as '' and so collapses.
SELECT
    toString(toUnixTimestamp(if({stepSeconds:UInt32} = 0, toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})), toStartOfInterval(Minute, toIntervalSecond({stepSeconds:UInt32}))))) AS bucket,
    if({byLayer:UInt8}, Layer, '') AS layer,
    if({byService:UInt8}, toString(ServiceName), '') AS service,
    if({byGroup:UInt8}, groupName, '') AS `group`,
    if({byDecision:UInt8}, toString(Decision), '') AS decision,
    if({byReason:UInt8}, toString(Reason), '') AS reason,
    if({byPolicy:UInt8}, Policy, '') AS policy,
    if({byEvidence:UInt8}, toString(Evidence), '') AS evidence,
    if({byDryRun:UInt8}, toString(DryRunResult), '') AS dryRunResult,
    toString(sum(Points)) AS points
FROM seam_decision_counts_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
-- Counting by group gives each point once per group it holds (once, as '', when it holds none).
ARRAY JOIN if({byGroup:UInt8} AND notEmpty(Groups), Groups, ['']) AS groupName
WHERE ({layer:String} = '' OR Layer = {layer:String})
    AND ({decision:String} = '' OR Decision = {decision:String})
    AND ({service:String} = '' OR ServiceName = {service:String})
    AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [toString(ServiceName), splitByChar('.', toString(ServiceName))[-1]]))
GROUP BY bucket, layer, service, `group`, decision, reason, policy, evidence, dryRunResult
ORDER BY bucket, sum(Points) DESC, layer, service, `group`, decision, reason, policy, evidence, dryRunResult
LIMIT {limit:UInt32}
