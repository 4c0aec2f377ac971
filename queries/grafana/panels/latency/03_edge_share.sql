-- Share of all traced time spent at the edge.
SELECT if(sum(SelfNs) = 0, 0, sumIf(SelfNs, Layer = 'edge') / sum(SelfNs)) AS edge_share
FROM seam_self_time_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll(hasAny(Services, [${service:singlequote}]), $service)
  AND $__conditionalAll(has(Subjects, ${subject:singlequote}), $subject)
  AND $__conditionalAll(Layer IN (${layer:singlequote}), $layer)
