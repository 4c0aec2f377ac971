-- Decisions per second, one series per layer and verdict (e.g. "gateway deny").
SELECT
    $__timeInterval(ts) AS time,
    concat(layer, ' ', decision) AS series,
    count() / $__interval_s AS per_second
FROM seam_decision_records_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(ts)
  AND $__conditionalAll(service IN (${service:singlequote}), $service)
  AND $__conditionalAll(subject = ${subject:singlequote}, $subject)
  AND $__conditionalAll(layer IN (${layer:singlequote}), $layer)
GROUP BY time, series
ORDER BY time
