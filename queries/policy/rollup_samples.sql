-- Up to {samples} points of each of the given shapes in the given settled minutes, from the policy rollup.
SELECT toString(ShapeHash) AS shapeHash, groupArray({samples:UInt32})((toString(toUnixTimestamp64Nano(sample.1)), sample.2, sample.3, sample.4)) AS samples
FROM seam_policy_rollup_of_minutes(minutes = {minutes:Array(UInt32)})
ARRAY JOIN Samples AS sample
WHERE has(arrayMap(shape -> toUInt64(shape), {shapes:Array(String)}), ShapeHash)
GROUP BY ShapeHash
