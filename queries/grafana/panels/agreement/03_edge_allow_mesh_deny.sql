-- Requests the edge let through and the mesh refused: usually a claim mapping the mesh policy does not share.
SELECT count() AS edge_allow_mesh_deny
FROM seam_mismatches_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote}) OR MeshEntryService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
  AND Kind = 'edge_allow_mesh_deny'
