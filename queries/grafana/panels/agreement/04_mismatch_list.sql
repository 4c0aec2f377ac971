-- Drill-down: one row per mismatch with both sides' view; the trace ids link to the trace view.
SELECT
    Timestamp AS Time,
    Kind,
    TraceId AS `Edge trace`,
    MeshTraceId AS `Mesh trace`,
    Subject,
    EdgeDecision AS `Edge decision`,
    EdgeReason AS `Edge reason`,
    MeshDecision AS `Mesh decision`,
    MeshReason AS `Mesh reason`,
    MeshPolicy AS `Mesh policy`,
    MeshEvidence AS `Mesh evidence`,
    MeshService AS `Decided by`,
    EdgeService AS Worker,
    MeshEntryService AS `Mesh entry`,
    KeyId AS `Key id`
FROM seam_mismatches_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll((EdgeService IN (${service:singlequote}) OR MeshService IN (${service:singlequote}) OR MeshEntryService IN (${service:singlequote})), $service)
  AND $__conditionalAll(Subject = ${subject:singlequote}, $subject)
ORDER BY Timestamp DESC
LIMIT 500
