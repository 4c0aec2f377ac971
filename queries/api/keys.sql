-- Signing keys used in a window, most recently used first, one page: keyset on (LastSeen, KeyId, Issuer).
-- Requests past the rotation window are counted from the edge decisions (one per edge request) rather
-- than from spans; age is how old the key was at its last use.
SELECT
    k.KeyId AS keyId,
    k.Issuer AS issuer,
    toString(toUnixTimestamp64Nano(k.firstSeen)) AS firstSeenNs,
    toString(toUnixTimestamp64Nano(k.lastSeen)) AS ts,
    k.requests AS requests,
    toUInt64(ifNull(p.past, 0)) AS requestsPastRotation
FROM
(
    SELECT KeyId, Issuer, min(FirstSeen) AS firstSeen, max(LastSeen) AS lastSeen, sum(Requests) AS requests
    FROM seam_keys
    GROUP BY KeyId, Issuer
    HAVING lastSeen >= fromUnixTimestamp64Nano({fromNs:Int64}) AND firstSeen <= fromUnixTimestamp64Nano({toNs:Int64})
        AND ({hasCursor:UInt8} = 0
             OR (lastSeen, KeyId, Issuer) < (fromUnixTimestamp64Nano({cursorNs:Int64}), {cursorK1:String}, {cursorK2:String}))
) AS k
LEFT JOIN
(
    SELECT d.kid AS KeyId, d.iss AS Issuer, count() AS past
    FROM
    (
        SELECT KeyId AS kid, Issuer AS iss, Timestamp AS ts
        FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
        WHERE Layer = 'edge' AND KeyId != ''
    ) AS d
    INNER JOIN (SELECT KeyId, Issuer, min(FirstSeen) AS firstSeen FROM seam_keys GROUP BY KeyId, Issuer) AS f
        ON f.KeyId = d.kid AND f.Issuer = d.iss
    WHERE dateDiff('second', f.firstSeen, d.ts) > {rotationHours:Float64} * 3600
    GROUP BY d.kid, d.iss
) AS p ON p.KeyId = k.KeyId AND p.Issuer = k.Issuer
ORDER BY k.lastSeen DESC, k.KeyId DESC, k.Issuer DESC
LIMIT {limit:UInt32}
SETTINGS join_use_nulls = 1
