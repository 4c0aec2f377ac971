-- Callers denied most often, with the layers and reasons that denied them.
SELECT
    subject AS Subject,
    count() AS Denies,
    uniqExact(trace) AS Traces,
    arrayStringConcat(arraySort(groupUniqArray(layer)), ', ') AS Layers,
    arrayStringConcat(arraySort(groupUniqArray(reason)), ', ') AS Reasons,
    max(ts) AS `Last deny`
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
  AND decision = 'deny' AND subject != ''
GROUP BY subject
ORDER BY Denies DESC
LIMIT 20
