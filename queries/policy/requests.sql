-- The recorded decision points a policy simulation re-evaluates, within the caller's scope, one row per
-- distinct request shape (what a route policy or AuthorizationPolicy can match on) with its count and
-- up to {samples} of its points, so the answer's size follows the variety of requests, not their number.
-- A mesh point's subject is part of its shape (a request principal names it); an edge point's is not.
SELECT
    layer, service, decision, reason, linked, subject, edgeIssuer, mappingVersion, groups, method, host, path, inboundPort,
    namespace, canonicalService, canonicalRevision, userAgent, sourceNamespace,
    toUInt32(count()) AS count,
    groupArray({samples:UInt32})((toString(toUnixTimestamp64Nano(Timestamp)), TraceId, SpanId, Subject)) AS samples
FROM
(
    SELECT
        Timestamp, TraceId, SpanId, Subject,
        Layer AS layer,
        ServiceName AS service,
        Decision AS decision,
        Reason AS reason,
        toUInt8(EdgeTraceId != '') AS linked,
        if(Layer = 'edge', '', Subject) AS subject,
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
        -- Only the side the proposal covers is read.
        SELECT * FROM seam_policy_edge_requests_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) WHERE {edge:UInt8} = 1
        UNION ALL
        SELECT * FROM seam_policy_mesh_requests_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) WHERE {mesh:UInt8} = 1
    )
    WHERE {scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [ServiceName, splitByChar('.', ServiceName)[-1]])
)
GROUP BY layer, service, decision, reason, linked, subject, edgeIssuer, mappingVersion, groups, method, host, path, inboundPort,
    namespace, canonicalService, canonicalRevision, userAgent, sourceNamespace
ORDER BY min(Timestamp)
