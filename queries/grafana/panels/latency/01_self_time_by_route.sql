-- Mean time per request spent in each layer, per route (milliseconds of self time).
SELECT
    Route,
    uniqExact(TraceId) AS Requests,
    sumIf(SelfNs, Layer = 'edge') / uniqExact(TraceId) / 1e6 AS Edge,
    sumIf(SelfNs, Layer = 'gateway') / uniqExact(TraceId) / 1e6 AS Gateway,
    sumIf(SelfNs, Layer = 'sidecar') / uniqExact(TraceId) / 1e6 AS Sidecars,
    sumIf(SelfNs, Layer = 'app') / uniqExact(TraceId) / 1e6 AS App
FROM seam_self_time_between(fromNs = ${__from}000000, toNs = ${__to}000000)
WHERE $__timeFilter(Timestamp)
  AND $__conditionalAll(hasAny(Services, [${service:singlequote}]), $service)
  AND $__conditionalAll(has(Subjects, ${subject:singlequote}), $subject)
  AND $__conditionalAll(Layer IN (${layer:singlequote}), $layer)
GROUP BY Route
ORDER BY Requests DESC
LIMIT 50
