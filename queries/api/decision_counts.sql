-- Decision points counted per time bucket and the requested dimensions, from the per-minute counts
-- (rollup where settled, rows elsewhere). A dimension not asked for reads as '' and so collapses.
SELECT
    toString(toUnixTimestamp(if({stepSeconds:UInt32} = 0, toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})), toStartOfInterval(Minute, toIntervalSecond({stepSeconds:UInt32}))))) AS bucket,
    if(has({by:Array(String)}, 'layer'), Layer, '') AS layer,
    if(has({by:Array(String)}, 'service'), toString(ServiceName), '') AS service,
    if(has({by:Array(String)}, 'group'), groupName, '') AS `group`,
    if(has({by:Array(String)}, 'decision'), toString(Decision), '') AS decision,
    if(has({by:Array(String)}, 'reason'), toString(Reason), '') AS reason,
    if(has({by:Array(String)}, 'policy'), Policy, '') AS policy,
    if(has({by:Array(String)}, 'evidence'), toString(Evidence), '') AS evidence,
    if(has({by:Array(String)}, 'dryRunResult'), toString(DryRunResult), '') AS dryRunResult,
    toString(sum(Points)) AS points
FROM seam_decision_counts_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
-- Counting by group gives each point once per group it holds (once, as '', when it holds none).
ARRAY JOIN if(has({by:Array(String)}, 'group') AND notEmpty(Groups), Groups, ['']) AS groupName
WHERE ({layer:String} = '' OR Layer = {layer:String})
    AND ({decision:String} = '' OR Decision = {decision:String})
    AND ({service:String} = '' OR ServiceName = {service:String})
    AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [toString(ServiceName), splitByChar('.', toString(ServiceName))[-1]]))
GROUP BY bucket, layer, service, `group`, decision, reason, policy, evidence, dryRunResult
ORDER BY bucket, sum(Points) DESC, layer, service, `group`, decision, reason, policy, evidence, dryRunResult
LIMIT {limit:UInt32}
