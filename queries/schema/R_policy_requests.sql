-- Policy simulation input, computed when read (see R_1_decision_points.sql for the `_between` convention):
-- every edge, gateway and sidecar decision point stamped within the window, with what a route policy or
-- an AuthorizationPolicy matches on, read from the decision-point spans themselves (no table of its
-- own, so ingest pays nothing for it; the collector rolls quiet minutes up into seam_policy_rollup,
-- 013_seam_policy_rollup.sql): method, host and path; for the mesh, the deciding workload's
-- namespace, canonical service and revision, the inbound port a sidecar names in its cluster, and the
-- namespace of a sidecar's calling proxy.

-- Edge requests. The edge's verdict is explicit on its own span, so they are read straight from the
-- spans, without merging decision rows.
CREATE OR REPLACE VIEW seam_policy_edge_requests_between {{on_cluster}} AS
SELECT
    ts AS Timestamp, trace AS TraceId, span AS SpanId, 'edge' AS Layer, service AS ServiceName, decision AS Decision,
    reason AS Reason, policy AS Policy, '' AS EdgeTraceId, subject AS Subject, issuer AS EdgeIssuer, mapping AS MappingVersion,
    groups AS Groups, method AS Method, host AS Host, urlPath AS Path, '' AS InboundPort, '' AS Namespace,
    '' AS CanonicalService, '' AS CanonicalRevision, userAgent AS UserAgent, '' AS SourceNamespace
FROM
(
    SELECT
        Timestamp AS ts, TraceId AS trace, SpanId AS span, toString(ServiceName) AS service, toString(Decision) AS decision,
        toString(DecisionReason) AS reason, DecisionPolicy AS policy, Subject AS subject, toString(Issuer) AS issuer,
        toString(MappingVersion) AS mapping, arraySort(CAST(Groups, 'Array(String)')) AS groups,
        if(SpanAttributes['http.request.method'] != '', SpanAttributes['http.request.method'], SpanAttributes['http.method']) AS method,
        multiIf(SpanAttributes['url.full'] != '', SpanAttributes['url.full'], SpanAttributes['http.url']) AS url,
        multiIf(SpanAttributes['url.path'] != '', SpanAttributes['url.path'], url != '', path(url), '') AS urlPath,
        multiIf(SpanAttributes['server.address'] != '', SpanAttributes['server.address'], url != '', domain(url), '') AS host,
        SpanAttributes['user_agent.original'] AS userAgent
    FROM {{sharded otel_traces}}
    WHERE {{in_window Timestamp}} AND Layer = 'edge' AND Decision != ''
    -- An exporter's retry stores a span twice.
    LIMIT 1 BY TraceId, SpanId
);

-- Gateway and sidecar decision points, merged from their decision rows (an access log's verdict, a
-- proxy that only passed an upstream's denial on). Each takes the subject, issuer, groups and mapping
-- version its edge request asserted, found through the request's link (EdgeTraceId empty: no edge
-- request is linked, so the groups in force are unknown).
CREATE OR REPLACE VIEW seam_policy_mesh_requests_between {{on_cluster}} AS
WITH
    points AS (
        SELECT Timestamp, TraceId, SpanId, ParentSpanId, Layer, ServiceName, Subject, Decision, Reason, Policy
        FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
        WHERE Layer IN ('gateway', 'sidecar') AND {{in_window Timestamp}}
    ),
    spans AS (
        SELECT
            TraceId, SpanId,
            SpanAttributes['http.method'] AS method,
            SpanAttributes['http.url'] AS url,
            if(url != '', path(url), '') AS urlPath,
            if(url != '', domain(url), '') AS host,
            SpanAttributes['upstream_cluster'] AS upstreamCluster,
            SpanAttributes['istio.namespace'] AS istioNamespace,
            SpanAttributes['istio.canonical_service'] AS canonicalService,
            SpanAttributes['istio.canonical_revision'] AS canonicalRevision,
            SpanAttributes['user_agent'] AS userAgent
        FROM {{sharded otel_traces}}
        WHERE {{near_window Timestamp}} AND Decision != '' AND Layer IN ('gateway', 'sidecar')
        LIMIT 1 BY TraceId, SpanId
    ),
    -- A sidecar's caller is the proxy whose span is its parent: the caller's namespace, as Istio's
    -- source.namespace names it, is that proxy's (the peer principal's service account is not recorded).
    callers AS (
        SELECT TraceId, SpanId, any(ServiceName) AS service
        FROM {{sharded otel_traces}}
        WHERE {{near_window Timestamp}} AND Layer IN ('gateway', 'sidecar')
        GROUP BY TraceId, SpanId
    ),
    links AS (
        SELECT MeshTraceId, argMin(EdgeTraceId, indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], Method)) AS EdgeTraceId
        FROM seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
        GROUP BY MeshTraceId
    ),
    edges AS (
        SELECT TraceId, max(Subject) AS subject, max(toString(Issuer)) AS issuer, max(toString(MappingVersion)) AS mapping,
               arraySort(groupUniqArrayArray(CAST(Groups, 'Array(String)'))) AS groups
        FROM {{sharded otel_traces}}
        WHERE {{near_window Timestamp}} AND Layer = 'edge' AND Decision != ''
        GROUP BY TraceId
    )
SELECT
    p.Timestamp AS Timestamp, p.TraceId AS TraceId, p.SpanId AS SpanId, p.Layer AS Layer, p.ServiceName AS ServiceName,
    p.Decision AS Decision, p.Reason AS Reason, p.Policy AS Policy,
    l.EdgeTraceId AS EdgeTraceId,
    if(p.Subject != '', p.Subject, e.subject) AS Subject,
    e.issuer AS EdgeIssuer, e.mapping AS MappingVersion, e.groups AS Groups,
    s.method AS Method, s.host AS Host, s.urlPath AS Path,
    if(startsWith(s.upstreamCluster, 'inbound|'), splitByChar('|', s.upstreamCluster)[2], '') AS InboundPort,
    multiIf(s.istioNamespace != '', s.istioNamespace, position(p.ServiceName, '.') > 0, splitByChar('.', p.ServiceName)[-1], '') AS Namespace,
    -- Istio names a proxy's spans <canonical service>.<namespace>, which stands in when the tag is missing.
    multiIf(s.canonicalService != '', s.canonicalService, position(p.ServiceName, '.') > 0, arrayStringConcat(arrayPopBack(splitByChar('.', p.ServiceName)), '.'), '') AS CanonicalService,
    s.canonicalRevision AS CanonicalRevision,
    s.userAgent AS UserAgent,
    if(p.Layer = 'sidecar' AND position(c.service, '.') > 0, splitByChar('.', c.service)[-1], '') AS SourceNamespace
FROM points AS p
LEFT JOIN spans AS s ON s.TraceId = p.TraceId AND s.SpanId = p.SpanId
LEFT JOIN callers AS c ON c.TraceId = p.TraceId AND c.SpanId = p.ParentSpanId
LEFT JOIN links AS l ON l.MeshTraceId = p.TraceId
LEFT JOIN edges AS e ON e.TraceId = l.EdgeTraceId
SETTINGS join_use_nulls = 0;

-- Both, for ad-hoc SQL.
CREATE OR REPLACE VIEW seam_policy_requests_between {{on_cluster}} AS
SELECT * FROM seam_policy_edge_requests_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
UNION ALL
SELECT * FROM seam_policy_mesh_requests_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

-- Every decision point of the window in the shape a simulation groups by (queries/policy/, the rollup),
-- with its hash as the shape's key. Only the sides asked for are read (edge = 1, mesh = 1). An edge
-- point's subject is not part of its shape (a route policy never names a caller); a mesh point's is,
-- with subjects = 1, and otherwise only whether one was recorded ('*' stands for any).
CREATE OR REPLACE VIEW seam_policy_shapes_between {{on_cluster}} AS
SELECT *, cityHash64(layer, service, decision, reason, linked, subject, edgeIssuer, mappingVersion, groups, method, host, path,
                     inboundPort, namespace, canonicalService, canonicalRevision, userAgent, sourceNamespace) AS shapeHash
FROM
(
    SELECT
        Timestamp, TraceId, SpanId, Subject,
        Layer AS layer,
        ServiceName AS service,
        Decision AS decision,
        Reason AS reason,
        toUInt8(EdgeTraceId != '') AS linked,
        multiIf(Layer = 'edge' OR Subject = '', '', {subjects:UInt8} = 1, Subject, '*') AS subject,
        EdgeIssuer AS edgeIssuer,
        MappingVersion AS mappingVersion,
        Groups AS groups,
        Method AS method,
        Host AS host,
        Path AS path,
        InboundPort AS inboundPort,
        Namespace AS namespace,
        CanonicalService AS canonicalService,
        CanonicalRevision AS canonicalRevision,
        UserAgent AS userAgent,
        SourceNamespace AS sourceNamespace
    FROM
    (
        SELECT * FROM seam_policy_edge_requests_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) WHERE {edge:UInt8} = 1
        UNION ALL
        SELECT * FROM seam_policy_mesh_requests_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) WHERE {mesh:UInt8} = 1
    )
);

-- Per minute of the window: the policy rollup's generation and whether it is still right (no row the
-- shapes depend on has arrived near the minute since; seam_mismatch_minutes records those arrivals).
CREATE OR REPLACE VIEW seam_policy_minute_states_between {{on_cluster}} AS
SELECT m.Minute AS Minute, p.generation AS Generation, p.generation > 0 AND p.settledBefore > m.NearLastInsert AS Settled,
       m.NearLastInsert AS NearLastInsert
FROM seam_mismatch_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) AS m
LEFT JOIN
(
    SELECT Minute, max(Generation) AS generation, max(SettledBefore) AS settledBefore
    FROM {{sharded seam_policy_minutes}}
    WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})
    GROUP BY Minute
) AS p ON p.Minute = m.Minute
SETTINGS join_use_nulls = 0;

-- The policy rollup's rows for the given minutes, each minute in the generation seam_policy_minutes
-- names for it (a recomputation being written meanwhile is not read half-done).
CREATE OR REPLACE VIEW seam_policy_rollup_of_minutes {{on_cluster}} AS
SELECT *
FROM {{sharded seam_policy_rollup}}
WHERE Minute IN (SELECT toDateTime(arrayJoin({minutes:Array(UInt32)})))
  AND (Minute, Generation) IN (
      SELECT Minute, max(Generation)
      FROM {{sharded seam_policy_minutes}}
      WHERE Minute IN (SELECT toDateTime(arrayJoin({minutes:Array(UInt32)})))
      GROUP BY Minute
  );
