-- Distinct signing keys used in the window; more than two at once usually means a rotation never finished.
SELECT count() AS keys_in_use
FROM (
    SELECT KeyId AS kid, Issuer AS issuer, min(FirstSeen) AS first_seen, max(LastSeen) AS last_seen, sum(Requests) AS requests
    FROM seam_keys
    GROUP BY KeyId, Issuer
)
WHERE last_seen >= $__fromTime AND first_seen <= $__toTime
