-- Mismatches between edge and mesh, computed when read (see R_1_decision_points.sql for the `_between`
-- convention).

-- Edge requests made with a signing key first seen more than the rotation period before them. Kept
-- apart from the other kinds because it alone depends on data far away in time: a key found later in
-- older data moves its first sighting back, so these rows are always computed when read.
CREATE OR REPLACE VIEW seam_stale_key_mismatches_between {{on_cluster}} AS
SELECT
    'stale_key' AS Kind, t.Start AS Timestamp, t.TraceId AS TraceId, '' AS MeshTraceId, t.edgeSubject AS Subject,
    t.edgeDecision AS EdgeDecision, t.edgeReason AS EdgeReason, '' AS MeshDecision, '' AS MeshReason, '' AS MeshPolicy,
    t.edgeService AS EdgeService, '' AS MeshService, t.edgeKey AS KeyId, '' AS MeshEvidence, '' AS MeshSpanId,
    '' AS MeshEntryService
FROM
(
    SELECT TraceId, min(Start) AS Start, sum(EdgeRequests) AS edge, max(EdgeService) AS edgeService,
           max(EdgeSubject) AS edgeSubject, max(EdgeDecision) AS edgeDecision, max(EdgeReason) AS edgeReason,
           max(EdgeKeyId) AS edgeKey
    FROM {{sharded seam_trace_summary}} AS summary
    WHERE {{near_window_days summary.Day}} AND {{near_window summary.Start}}
    GROUP BY TraceId
) AS t
INNER JOIN (SELECT KeyId, min(FirstSeen) AS firstSeen FROM {{sharded seam_keys}} GROUP BY KeyId) AS k ON k.KeyId = t.edgeKey
WHERE t.edge > 0 AND t.edgeKey != '' AND dateDiff('second', k.firstSeen, t.Start) > {{key_rotation_hours}} * 3600;

-- Where the edge and the mesh disagree, one row per (kind, edge request, mesh request). Every mesh
-- request is read once with its link (if any), and the kinds it shows are unrolled from one array, so
-- the links are computed once per query.
CREATE OR REPLACE VIEW seam_mismatches_between {{on_cluster}} AS
WITH
    traces AS (
        SELECT TraceId, min(Start) AS Start, sum(EdgeRequests) AS edge, sum(MeshEntries) AS mesh,
               max(EdgeService) AS edgeService, max(MeshService) AS meshService,
               max(EdgeSubject) AS edgeSubject, max(MeshSubject) AS meshSubject,
               max(EdgeDecision) AS edgeDecision, max(EdgeReason) AS edgeReason, max(EdgeKeyId) AS edgeKey
        FROM {{sharded seam_trace_summary}} AS summary
        WHERE {{near_window_days summary.Day}} AND {{near_window summary.Start}}
        GROUP BY TraceId
    ),
    -- The mesh's verdict and who gave it. A denied request is refused where the last hop it reached
    -- answered itself; the proxies before it only forwarded that answer and read as allow. Of several
    -- denies (a retried hop, or a forwarding proxy whose upstream span is missing) the best-evidenced
    -- wins, then the deepest: the one that started last. An allowed request's decider is its entry.
    meshVerdicts AS (
        SELECT TraceId,
               if(countIf(decision = 'deny') > 0, 'deny', 'allow') AS meshDecision,
               if(meshDecision = 'deny', argMaxIf(point, (strength, ts), decision = 'deny'), argMin(point, ts)) AS decider
        FROM
        (
            SELECT TraceId, Timestamp AS ts, Decision AS decision, (Reason, Policy, Evidence, ServiceName, SpanId) AS point,
                   indexOf(['inferred', 'span', 'access_log', 'explicit'], Evidence) AS strength
            FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
            WHERE Layer != 'edge'
        )
        GROUP BY TraceId
    ),
    meshSide AS (
        SELECT m.TraceId AS meshTrace, m.Start AS meshStart, m.edge AS sameTraceEdge, m.meshService AS meshService,
               m.meshSubject AS meshSubject, l.EdgeTraceId AS edgeTrace, l.Method AS method
        FROM traces AS m
        LEFT JOIN seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) AS l ON l.MeshTraceId = m.TraceId
        WHERE m.mesh > 0
    )
SELECT
    kind AS Kind,
    if(kind = 'mesh_without_edge', p.meshStart, e.Start) AS Timestamp,
    if(kind = 'mesh_without_edge', p.meshTrace, p.edgeTrace) AS TraceId,
    p.meshTrace AS MeshTraceId,
    if(kind = 'mesh_without_edge', p.meshSubject, e.edgeSubject) AS Subject,
    e.edgeDecision AS EdgeDecision,
    e.edgeReason AS EdgeReason,
    v.meshDecision AS MeshDecision,
    v.decider.1 AS MeshReason,
    v.decider.2 AS MeshPolicy,
    e.edgeService AS EdgeService,
    -- The workload whose decision the mismatch is about; the entry where the mesh has no decision yet.
    if(v.decider.4 != '', v.decider.4, p.meshService) AS MeshService,
    e.edgeKey AS KeyId,
    v.decider.3 AS MeshEvidence,
    v.decider.5 AS MeshSpanId,
    p.meshService AS MeshEntryService
FROM meshSide AS p
LEFT JOIN traces AS e ON e.TraceId = p.edgeTrace
LEFT JOIN meshVerdicts AS v ON v.TraceId = p.meshTrace
ARRAY JOIN arrayFilter(k -> k != '', [
    if(p.edgeTrace = '' AND p.sameTraceEdge = 0, 'mesh_without_edge', ''),
    if(p.edgeTrace != '' AND e.edgeDecision = 'allow' AND v.meshDecision = 'deny', 'edge_allow_mesh_deny', ''),
    if(p.edgeTrace != '' AND e.edgeDecision = 'deny', 'edge_deny_mesh_reached', ''),
    if(p.edgeTrace != '' AND e.edgeSubject != '' AND p.meshSubject != '' AND e.edgeSubject != p.meshSubject, 'identity_mismatch', ''),
    if(p.edgeTrace != '' AND p.method != 'trace_id', 'broken_propagation', '')
]) AS kind
UNION ALL
SELECT * FROM seam_stale_key_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
SETTINGS join_use_nulls = 0;

-- Per minute of the window that holds data: the rollup generation of its mismatches (0: none yet) and
-- whether that generation is still right (Settled): no row has arrived within the near margin of the
-- minute since the generation was computed. NearLastInsert is when the last such row arrived.
CREATE OR REPLACE VIEW seam_mismatch_minute_states_between {{on_cluster}} AS
SELECT Minute, Generation, Generation > 0 AND SettledBefore > NearLastInsert AS Settled, NearLastInsert
FROM
(
    SELECT Minute, generation AS Generation, settledBefore AS SettledBefore,
           max(lastInsert) OVER (ORDER BY Minute RANGE BETWEEN {{near_margin_s}} PRECEDING AND {{near_margin_s}} FOLLOWING) AS NearLastInsert
    FROM
    (
        SELECT Minute, max(LastInsert) AS lastInsert, max(Generation) AS generation, max(SettledBefore) AS settledBefore
        FROM {{sharded seam_mismatch_minutes}}
        WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) - INTERVAL {{near_margin_s}} SECOND
                         AND fromUnixTimestamp64Nano({toNs:Int64}) + INTERVAL {{near_margin_s}} SECOND
        GROUP BY Minute
    )
)
WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64});

-- Over everything.
CREATE OR REPLACE VIEW seam_mismatches {{on_cluster}} AS SELECT * FROM seam_mismatches_between(fromNs = 0, toNs = 7258118400000000000);
