-- Callers denied most often, with the layers and reasons that denied them.
SELECT
    subject AS Subject,
    count() AS Denies,
    uniqExact(traceId) AS Traces,
    arrayStringConcat(arraySort(groupUniqArray(layer)), ', ') AS Layers,
    arrayStringConcat(arraySort(groupUniqArray(reason)), ', ') AS Reasons,
    max(ts) AS `Last deny`
FROM seam_decision_records_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
  AND decision = 'deny' AND subject != ''
GROUP BY subject
ORDER BY Denies DESC
LIMIT 20
