-- Policies that deny most. Mesh policy ids read "ns[<ns>]-policy[<name>]-rule[<i>]", or "none" when no
-- ALLOW rule matched; edge ids read "<route policy>/<rule>".
SELECT
    if(policy = '', '(not reported)', policy) AS Policy,
    layer AS Layer,
    arrayStringConcat(arraySort(groupUniqArray(service)), ', ') AS Services,
    count() AS Denies,
    uniqExact(subject) AS Subjects
FROM seam_decision_records_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
  AND decision = 'deny'
GROUP BY Policy, Layer
ORDER BY Denies DESC
LIMIT 20
