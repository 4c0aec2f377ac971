-- Links that needed a fallback key: each is a place where trace propagation broke between edge and mesh.
SELECT
    Timestamp AS Time,
    Method,
    Confidence,
    EdgeTraceId AS `Edge trace`,
    MeshTraceId AS `Mesh trace`,
    EdgeService AS Worker,
    MeshService AS Gateway,
    Subject
FROM seam_links_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
  AND Method != 'trace_id'
ORDER BY Timestamp DESC
LIMIT 500
