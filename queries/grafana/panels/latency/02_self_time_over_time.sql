-- Mean self time per request and layer over time (milliseconds).
SELECT
    $__timeInterval(Timestamp) AS time,
    Layer AS layer,
    sum(SelfNs) / uniqExact(TraceId) / 1e6 AS ms_per_request
FROM seam_self_time_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll(hasAny(Services, [${service:singlequote}]), $service)
  AND $__conditionalAll(has(Subjects, ${subject:singlequote}), $subject)
  AND $__conditionalAll(Layer IN (${layer:singlequote}), $layer)
GROUP BY time, layer
ORDER BY time
