-- Mapped groups of denied callers: a group that keeps being denied usually means the edge's mapping
-- and the mesh's AuthorizationPolicy disagree about it.
SELECT
    arrayJoin(groups) AS `Group`,
    count() AS Denies,
    uniqExact(subject) AS Subjects
FROM seam_decision_records_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
  AND decision = 'deny'
GROUP BY `Group`
ORDER BY Denies DESC
LIMIT 20
