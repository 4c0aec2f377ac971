-- Per Worker: how its requests were linked to the mesh.
SELECT
    EdgeService AS Worker,
    count() AS Requests,
    countIf(LinkMethod = 'trace_id') / count() AS `Trace id`,
    countIf(LinkMethod NOT IN ('trace_id', '')) / count() AS Fallback,
    countIf(LinkMethod = '') / count() AS Unlinked,
    arrayStringConcat(arraySort(groupUniqArrayIf(LinkMethod, LinkMethod NOT IN ('trace_id', ''))), ', ') AS `Fallback methods`
FROM seam_edge_requests_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
GROUP BY Worker
ORDER BY Requests DESC
