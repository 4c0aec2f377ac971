-- Per gateway: of the edge requests that reached it, how many kept the trace id.
SELECT
    MeshService AS Gateway,
    count() AS `Linked requests`,
    countIf(LinkMethod = 'trace_id') / count() AS `Trace id`,
    countIf(LinkMethod != 'trace_id') / count() AS Fallback,
    arrayStringConcat(arraySort(groupUniqArrayIf(LinkMethod, LinkMethod != 'trace_id')), ', ') AS `Fallback methods`
FROM seam_edge_requests_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
  AND MeshService != ''
GROUP BY Gateway
ORDER BY `Linked requests` DESC
