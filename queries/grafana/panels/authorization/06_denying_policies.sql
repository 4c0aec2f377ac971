-- Policies that deny most. Mesh policy ids read "ns[<ns>]-policy[<name>]-rule[<i>]", or "none" when no
-- ALLOW rule matched; edge ids read "<route policy>/<rule>".
SELECT
    if(policy = '', '(not reported)', policy) AS Policy,
    layer AS Layer,
    arrayStringConcat(arraySort(groupUniqArray(service)), ', ') AS Services,
    count() AS Denies,
    uniqExact(subject) AS Subjects
FROM
(
    SELECT
        TraceId AS trace,
        Timestamp AS ts,
        Layer AS layer,
        ServiceName AS service,
        Subject AS subject,
        Groups AS groups,
        Decision AS decision,
        Reason AS reason,
        Policy AS policy,
        DryRunResult AS dry_run_result,
        DryRunPolicy AS dry_run_policy
    -- The decision points with their strongest evidence, as the API reads them.
    FROM seam_decision_points_between(fromNs = ${__from}000000, toNs = ${__to}000000)
)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
  AND decision = 'deny'
GROUP BY Policy, Layer
ORDER BY Denies DESC
LIMIT 20
