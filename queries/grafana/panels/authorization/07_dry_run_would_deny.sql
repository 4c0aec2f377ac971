-- Requests an istio.io/dry-run policy would have denied, per policy: what enforcing it would break.
SELECT
    dryRunPolicy AS `Dry-run policy`,
    count() AS `Would deny`,
    countIf(decision = 'allow') AS `Allowed today`,
    uniqExact(subject) AS Subjects
FROM seam_decision_records_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
  AND dryRunResult = 'deny'
GROUP BY dryRunPolicy
ORDER BY `Would deny` DESC
