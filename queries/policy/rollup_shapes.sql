-- The shapes of the given settled minutes, from the policy rollup, within the caller's scope: one row per
-- shape with its count over those minutes. Samples are read separately, for the shapes that need them.
SELECT
    toString(ShapeHash) AS shapeHash,
    any(Layer) AS layer, any(ServiceName) AS service, any(Decision) AS decision, any(Reason) AS reason, any(Linked) AS linked,
    if(any(SubjectRecorded) = 1, '*', '') AS subject, any(EdgeIssuer) AS edgeIssuer, any(MappingVersion) AS mappingVersion,
    any(Groups) AS groups, any(Method) AS method, any(Host) AS host, any(Path) AS path, any(InboundPort) AS inboundPort,
    any(Namespace) AS namespace, any(CanonicalService) AS canonicalService, any(CanonicalRevision) AS canonicalRevision,
    any(UserAgent) AS userAgent, any(SourceNamespace) AS sourceNamespace,
    toUInt32(sum(Points)) AS count,
    [] AS samples
FROM seam_policy_rollup_of_minutes(minutes = {minutes:Array(UInt32)})
WHERE if(Layer = 'edge', {edge:UInt8}, {mesh:UInt8}) = 1
  AND ({scoped:UInt8} = 0 OR hasAny({scope:Array(String)}, [toString(ServiceName), splitByChar('.', toString(ServiceName))[-1]]))
GROUP BY ShapeHash
