-- Mesh ingress requests with no edge counterpart: traffic that reached the gateway without passing the Worker.
SELECT count() AS edge_bypass
FROM seam_mismatches
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
  AND Kind = 'mesh_without_edge'
