-- Up to {samples} points of each of the given shapes in the given settled minutes, from the policy rollup.
WITH settled AS (
    SELECT Minute, max(Generation) AS generation
    FROM seam_policy_minutes
    WHERE Minute IN (SELECT toDateTime(arrayJoin({minutes:Array(UInt32)})))
    GROUP BY Minute
)
SELECT toString(ShapeHash) AS shapeHash, groupArray({samples:UInt32})((toString(toUnixTimestamp64Nano(sample.1)), sample.2, sample.3, sample.4)) AS samples
FROM seam_policy_rollup
ARRAY JOIN Samples AS sample
WHERE Minute IN (SELECT toDateTime(arrayJoin({minutes:Array(UInt32)})))
  AND (Minute, Generation) IN (SELECT Minute, generation FROM settled)
  AND has(arrayMap(shape -> toUInt64(shape), {shapes:Array(String)}), ShapeHash)
GROUP BY ShapeHash
