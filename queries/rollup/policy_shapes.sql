-- One generation of policy shapes for the given minutes, from the rows as they are now: per minute and
-- shape, how many decision points had it and up to 20 of them.
INSERT INTO seam_policy_rollup
    (Minute, Generation, ShapeHash, Layer, ServiceName, Decision, Reason, Linked, SubjectRecorded, EdgeIssuer, MappingVersion,
     Groups, Method, Host, Path, InboundPort, Namespace, CanonicalService, CanonicalRevision, UserAgent, SourceNamespace, Points, Samples)
SELECT toStartOfMinute(Timestamp) AS minute, {generation:UInt64}, shapeHash,
       any(layer), any(service), any(decision), any(reason), any(linked), any(subject) = '*', any(edgeIssuer), any(mappingVersion),
       any(groups), any(method), any(host), any(path), any(inboundPort), any(namespace), any(canonicalService),
       any(canonicalRevision), any(userAgent), any(sourceNamespace), count(), groupArray(20)((Timestamp, TraceId, SpanId, Subject))
FROM seam_policy_shapes_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}, edge = 1, mesh = 1, subjects = 0)
WHERE has(arrayMap(m -> toDateTime(m), {minutes:Array(UInt32)}), minute)
GROUP BY minute, shapeHash
