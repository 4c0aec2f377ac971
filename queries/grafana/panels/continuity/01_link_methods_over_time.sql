-- Edge requests per interval by how they were tied to the mesh: one trace (trace_id), a fallback key
-- (cf_ray, request_id, identity_time), or not at all.
SELECT
    $__timeInterval(Timestamp) AS time,
    if(LinkMethod = '', 'unlinked', LinkMethod) AS method,
    count() AS requests
FROM seam_edge_requests_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
GROUP BY time, method
ORDER BY time
