-- Share of edge requests with no mesh counterpart found (denied at the edge, or propagation and every key lost).
SELECT if(count() = 0, 0, countIf(LinkMethod = '') / count()) AS unlinked_share
FROM seam_edge_requests_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
