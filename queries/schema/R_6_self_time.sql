-- Repeatable, parameterized like the correlation views (see R_1_decision_points.sql).

-- Self time per span: its duration minus its direct children's, floored at 0 (children may overlap).
-- Summed per trace and layer it splits a request's time between edge, gateway, sidecars and app; without
-- application spans a sidecar's inbound span also holds the application's time. Each row carries its
-- trace's route (the edge's http.route, else the gateway's route decorator, its span name) and the
-- trace's services and subjects, for the latency dashboard's filters.
CREATE OR REPLACE VIEW seam_self_time_between {{on_cluster}} AS
SELECT
    spans.trace AS TraceId,
    spans.ts AS Timestamp,
    spans.layer AS Layer,
    spans.selfNs AS SelfNs,
    routes.route AS Route,
    routes.services AS Services,
    routes.subjects AS Subjects
FROM
(
    SELECT parent.TraceId AS trace, parent.Timestamp AS ts, toString(parent.Layer) AS layer,
           greatest(toInt64(parent.Duration) - toInt64(sum(child.Duration)), 0) AS selfNs
    FROM (SELECT TraceId, SpanId, Timestamp, Layer, Duration FROM {{sharded otel_traces}} WHERE {{near_window Timestamp}}) AS parent
    LEFT JOIN
    (
        SELECT TraceId, ParentSpanId, Duration FROM {{sharded otel_traces}} WHERE {{near_window Timestamp}} AND ParentSpanId != ''
    ) AS child ON child.TraceId = parent.TraceId AND child.ParentSpanId = parent.SpanId
    GROUP BY parent.TraceId, parent.SpanId, parent.Timestamp, parent.Layer, parent.Duration
) AS spans
INNER JOIN
(
    SELECT
        TraceId AS routeTrace,
        coalesce(
            nullIf(anyIf(SpanAttributes['http.route'], JoinRole = 'edge_request'), ''),
            nullIf(argMinIf(toString(SpanName), Timestamp, Layer = 'gateway' AND SpanKind = 'Server'), ''),
            argMin(toString(SpanName), Timestamp)
        ) AS route,
        groupUniqArray(toString(ServiceName)) AS services,
        groupUniqArrayIf(Subject, Subject != '') AS subjects
    FROM {{sharded otel_traces}}
    WHERE {{near_window Timestamp}}
    GROUP BY TraceId
) AS routes ON routes.routeTrace = spans.trace
SETTINGS join_use_nulls = 0;
