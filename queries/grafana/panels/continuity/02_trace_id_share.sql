-- Share of edge requests whose trace continued into the mesh under the same trace id.
SELECT if(count() = 0, 0, countIf(LinkMethod = 'trace_id') / count()) AS trace_id_share
FROM seam_edge_requests_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
