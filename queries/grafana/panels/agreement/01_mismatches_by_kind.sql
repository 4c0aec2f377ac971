-- Edge/mesh disagreements per interval, one series per kind.
SELECT
    $__timeInterval(Timestamp) AS time,
    Kind AS kind,
    count() AS mismatches
FROM seam_mismatches_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote}) OR MeshEntryService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
GROUP BY time, kind
ORDER BY time
