-- Why requests were denied, per layer: edge JWT and route checks, mesh authn, RBAC and ext_authz.
SELECT
    concat(layer, ': ', if(reason = '', 'unknown', reason)) AS Reason,
    count() AS Denies
FROM seam_decision_records_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
  AND decision = 'deny'
GROUP BY Reason
ORDER BY Denies DESC
