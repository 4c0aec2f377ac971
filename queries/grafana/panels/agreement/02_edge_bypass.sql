-- Mesh ingress requests with no edge counterpart: traffic that reached the gateway without passing the Worker.
SELECT count() AS edge_bypass
FROM seam_mismatches_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote}) OR MeshEntryService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
  AND Kind = 'mesh_without_edge'
