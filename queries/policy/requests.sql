-- The recorded decision points a policy simulation re-evaluates, computed from rows, within the caller's
-- scope: one row per distinct request shape with its count and up to {samples} of its points, so the
-- answer's size follows the variety of requests, not their number.
SELECT
    toString(shapeHash) AS shapeHash,
    any(layer) AS layer, any(service) AS service, any(decision) AS decision, any(reason) AS reason, any(linked) AS linked,
    any(subject) AS subject, any(edgeIssuer) AS edgeIssuer, any(mappingVersion) AS mappingVersion, any(groups) AS groups,
    any(method) AS method, any(host) AS host, any(path) AS path, any(inboundPort) AS inboundPort, any(namespace) AS namespace,
    any(canonicalService) AS canonicalService, any(canonicalRevision) AS canonicalRevision, any(userAgent) AS userAgent,
    any(sourceNamespace) AS sourceNamespace,
    toUInt32(count()) AS count,
    groupArray({samples:UInt32})((toString(toUnixTimestamp64Nano(Timestamp)), TraceId, SpanId, Subject)) AS samples
FROM
(
    SELECT *
    FROM seam_policy_shapes_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}, edge = {edge:UInt8}, mesh = {mesh:UInt8}, subjects = {subjects:UInt8})
    WHERE {scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [service, splitByChar('.', service)[-1]])
)
GROUP BY shapeHash
ORDER BY min(Timestamp)
