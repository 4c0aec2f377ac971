-- Edge requests, computed when read (see R_1_decision_points.sql for the `_between` convention).

-- One row per edge request (an edge trace with an edge SERVER span), with its strongest link.
CREATE OR REPLACE VIEW seam_edge_requests_between {{on_cluster}} AS
SELECT
    s.Start AS Timestamp,
    s.TraceId AS TraceId,
    s.EdgeService AS EdgeService,
    s.EdgeSubject AS Subject,
    s.EdgeDecision AS Decision,
    s.EdgeReason AS Reason,
    s.EdgeKeyId AS KeyId,
    l.linkMethod AS LinkMethod,
    l.linkMesh AS MeshTraceId,
    l.linkService AS MeshService
FROM
(
    SELECT TraceId, min(Start) AS Start, max(EdgeService) AS EdgeService, max(EdgeSubject) AS EdgeSubject,
           max(EdgeDecision) AS EdgeDecision, max(EdgeReason) AS EdgeReason, max(EdgeKeyId) AS EdgeKeyId
    FROM {{sharded seam_trace_summary}} AS summary
    WHERE {{near_window_days summary.Day}} AND {{near_window summary.Start}}
    GROUP BY TraceId
    HAVING sum(EdgeRequests) > 0
) AS s
LEFT JOIN
(
    SELECT EdgeTraceId, argMin(Method, rank) AS linkMethod, argMin(MeshTraceId, rank) AS linkMesh, argMin(MeshService, rank) AS linkService
    FROM (SELECT *, indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], Method) AS rank FROM seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}))
    GROUP BY EdgeTraceId
) AS l ON l.EdgeTraceId = s.TraceId
SETTINGS join_use_nulls = 0;

-- Over everything.
CREATE OR REPLACE VIEW seam_edge_requests {{on_cluster}} AS SELECT * FROM seam_edge_requests_between(fromNs = 0, toNs = 7258118400000000000);
