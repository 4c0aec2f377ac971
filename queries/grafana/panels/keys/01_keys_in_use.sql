-- Signing keys (kid) that verified edge tokens in the window. Age counts from the key's first use ever
-- seen, which is the closest Seam gets to its issue time; "Past window" compares it with ${rotation_hours}.
SELECT
    kid AS `Key id`,
    issuer AS Issuer,
    first_seen AS `First seen`,
    last_seen AS `Last seen`,
    dateDiff('hour', first_seen, $__toTime) AS `Age (h)`,
    dateDiff('hour', first_seen, $__toTime) > ${rotation_hours} AS `Past window`,
    requests AS `Requests (all time)`
FROM (
    SELECT KeyId AS kid, Issuer AS issuer, min(FirstSeen) AS first_seen, max(LastSeen) AS last_seen, sum(Requests) AS requests
    FROM seam_keys
    GROUP BY KeyId, Issuer
)
WHERE last_seen >= $__fromTime AND first_seen <= $__toTime
ORDER BY first_seen ASC
