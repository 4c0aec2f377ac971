-- Mean time per request spent in each layer, per route (milliseconds of self time).
SELECT
    route AS Route,
    uniqExact(trace) AS Requests,
    sumIf(self_ns, layer = 'edge') / uniqExact(trace) / 1e6 AS Edge,
    sumIf(self_ns, layer = 'gateway') / uniqExact(trace) / 1e6 AS Gateway,
    sumIf(self_ns, layer = 'sidecar') / uniqExact(trace) / 1e6 AS Sidecars,
    sumIf(self_ns, layer = 'app') / uniqExact(trace) / 1e6 AS App
FROM
(
    -- Self time: a span's duration minus its direct children's, floored at 0 (children may overlap).
    -- Summed per trace and layer, this splits a request's time between edge, gateway, sidecars and app.
    -- Without application spans, a sidecar's inbound span also holds the application's time.
    SELECT
        parent.TraceId AS trace,
        parent.Timestamp AS ts,
        toString(parent.Layer) AS layer,
        greatest(toInt64(parent.Duration) - toInt64(sum(child.Duration)), 0) AS self_ns
    FROM
    (
        SELECT TraceId, SpanId, Timestamp, Layer, Duration
        FROM otel_traces
        WHERE $__timeFilter(Timestamp)
    ) AS parent
    LEFT JOIN
    (
        SELECT TraceId, ParentSpanId, Duration
        FROM otel_traces
        WHERE $__timeFilter(Timestamp) AND ParentSpanId != ''
    ) AS child ON child.TraceId = parent.TraceId AND child.ParentSpanId = parent.SpanId
    GROUP BY parent.TraceId, parent.SpanId, parent.Timestamp, parent.Layer, parent.Duration
) AS spans
INNER JOIN
(
    -- A trace's route: the edge's http.route, else the gateway's route decorator (its span name).
    SELECT
        TraceId AS route_trace,
        coalesce(
            nullIf(anyIf(SpanAttributes['http.route'], JoinRole = 'edge_request'), ''),
            nullIf(argMinIf(toString(SpanName), Timestamp, Layer = 'gateway' AND SpanKind = 'Server'), ''),
            argMin(toString(SpanName), Timestamp)
        ) AS route
    FROM otel_traces
    WHERE $__timeFilter(Timestamp)
    GROUP BY TraceId
    HAVING $__conditionalAll(hasAny(groupUniqArray(toString(ServiceName)), [${service:singlequote}]), $service)
       AND $__conditionalAll(has(groupUniqArray(Subject), ${subject:singlequote}), $subject)
) AS routes ON routes.route_trace = spans.trace
WHERE $__conditionalAll(layer IN (${layer:singlequote}), $layer)
GROUP BY Route
ORDER BY Requests DESC
LIMIT 50
