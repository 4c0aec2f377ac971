-- Edge requests per interval by signing key: a finished rotation shows the old key's series dropping to zero.
SELECT
    $__timeInterval(span.Timestamp) AS time,
    concat(signing_key.kid, if(span.Timestamp > signing_key.first_seen + toIntervalHour(${rotation_hours}), ' (past window)', '')) AS key,
    count() AS requests
FROM otel_traces AS span
INNER JOIN
(
    SELECT KeyId AS kid, Issuer AS issuer, min(FirstSeen) AS first_seen
    FROM seam_keys
    GROUP BY KeyId, Issuer
) AS signing_key ON span.KeyId = signing_key.kid AND span.Issuer = signing_key.issuer
WHERE $__timeFilter(span.Timestamp)
  AND span.JoinRole = 'edge_request'
  AND $__conditionalAll(span.ServiceName IN (${service:singlequote}), $service)
  AND $__conditionalAll(span.Subject = ${subject:singlequote}, $subject)
GROUP BY time, key
ORDER BY time
