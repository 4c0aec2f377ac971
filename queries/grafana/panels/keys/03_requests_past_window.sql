-- Edge requests in the window whose token was signed by a key first seen more than ${rotation_hours} hours
-- before the request.
SELECT count() AS requests_past_window
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
  AND span.Timestamp > signing_key.first_seen + toIntervalHour(${rotation_hours})
