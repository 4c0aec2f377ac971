-- Edge ↔ mesh links, computed when read (see R_1_decision_points.sql for the `_between` convention).

-- Every edge subrequest with the subject it was made for: the subject on its own span, else the one
-- its request's SERVER span names, wherever the producer put it (DESIGN.md: a request's identity
-- belongs to all its spans). The two spans may arrive in different batches, in either order, minutes
-- apart; their join-key rows share the trace id as key, so they meet here whenever both are stored.
CREATE OR REPLACE VIEW seam_edge_subrequest_subjects_between {{on_cluster}} AS
SELECT s.1 AS TraceId, s.2 AS SpanId, s.3 AS Timestamp, if(s.4 != '', s.4, requestSubject) AS Subject
FROM
(
    SELECT groupUniqArrayIf((TraceId, SpanId, Timestamp, Subject), Method = 'edge_subrequest') AS subrequests,
           maxIf(Subject, Method = 'edge_request') AS requestSubject
    FROM {{sharded seam_join_keys}}
    WHERE Method IN ('edge_request', 'edge_subrequest') AND {{near_window Timestamp}}
    GROUP BY Key
)
ARRAY JOIN subrequests AS s
WHERE Subject != '';

-- One row per edge ↔ mesh trace pair, strongest method first: same trace id; the Cloudflare ray id;
-- the request id the edge set; or the same subject entering the mesh within the identity window of one
-- of the edge request's subrequests (the nearest), only when that match is unique both ways and neither
-- side has a stronger link: a mesh request two edge requests could claim stays unlinked (ambiguous).
-- Keys are paired by grouping, not by a join, and identity keys by time bucket (a mesh key also joins
-- the neighbouring buckets), so a busy subject does not pair every request with every other.
CREATE OR REPLACE VIEW seam_links_between {{on_cluster}} AS
WITH
    traces AS (
        SELECT TraceId, min(Start) AS Start, sum(EdgeRequests) AS edge, sum(MeshEntries) AS mesh,
               max(EdgeService) AS edgeService, max(MeshService) AS meshService, max(EdgeSubject) AS edgeSubject
        FROM {{sharded seam_trace_summary}} AS summary
        WHERE {{near_window_days summary.Day}} AND {{near_window summary.Start}}
        GROUP BY TraceId
    )
SELECT
    t.Start AS Timestamp,
    l.edgeTrace AS EdgeTraceId,
    l.meshTrace AS MeshTraceId,
    l.method AS Method,
    l.confidence AS Confidence,
    t.edgeService AS EdgeService,
    m.meshService AS MeshService,
    t.edgeSubject AS Subject
FROM
(
    SELECT edgeTrace, meshTrace, argMin(method, rank) AS method, argMin(confidence, rank) AS confidence
    FROM
    (
        SELECT edgeTrace, meshTrace, method, rank, confidence,
               count() OVER (PARTITION BY edgeTrace, rank = 4) AS edgeCandidates,
               count() OVER (PARTITION BY meshTrace, rank = 4) AS meshCandidates
        FROM
        (
            SELECT edgeTrace, meshTrace, method, rank,
                   multiIf(rank = 1, 1.0, rank = 2, 0.99, rank = 3, 0.95, round(0.9 - 0.3 * gapMs / {{identity_window_ms}}, 3)) AS confidence,
                   min(rank) OVER (PARTITION BY edgeTrace) AS edgeBest,
                   min(rank) OVER (PARTITION BY meshTrace) AS meshBest
            FROM
            (
                SELECT edgeTrace, meshTrace, method, indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], method) AS rank, min(gapMs) AS gapMs
                FROM
                (
                    SELECT TraceId AS edgeTrace, TraceId AS meshTrace, 'trace_id' AS method, 0 AS gapMs
                    FROM traces WHERE edge > 0 AND mesh > 0
                    UNION ALL
                    SELECT e.1 AS edgeTrace, m.1 AS meshTrace, method, abs(dateDiff('millisecond', e.2, m.2)) AS gapMs
                    FROM
                    (
                        SELECT Method AS method, Key, bucket,
                               groupUniqArrayIf((TraceId, Timestamp), Side = 'edge') AS edges,
                               groupUniqArrayIf((TraceId, Timestamp), Side = 'mesh') AS meshes
                        FROM
                        (
                            SELECT Method, Key, Side, TraceId, Timestamp,
                                   if(Method = 'identity_time', intDiv(toUnixTimestamp64Milli(Timestamp), {{identity_window_ms}}), 0) AS home,
                                   arrayJoin(if(Method = 'identity_time' AND Side = 'mesh', [home - 1, home, home + 1], [home])) AS bucket
                            FROM
                            (
                                SELECT Method, Key, Side, TraceId, Timestamp
                                FROM {{sharded seam_join_keys}}
                                WHERE (Method IN ('cf_ray', 'request_id') OR (Method = 'identity_time' AND Side = 'mesh'))
                                  AND {{near_window Timestamp}}
                                UNION ALL
                                SELECT 'identity_time' AS Method, Subject AS Key, 'edge' AS Side, TraceId, Timestamp
                                FROM seam_edge_subrequest_subjects_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
                            )
                        )
                        GROUP BY Method, Key, bucket
                        HAVING notEmpty(edges) AND notEmpty(meshes)
                    )
                    ARRAY JOIN edges AS e
                    ARRAY JOIN meshes AS m
                    WHERE e.1 != m.1
                )
                GROUP BY edgeTrace, meshTrace, method
                HAVING rank < 4 OR gapMs <= {{identity_window_ms}}
            )
        )
        WHERE rank < 4 OR (edgeBest = 4 AND meshBest = 4)
    )
    WHERE rank < 4 OR (edgeCandidates = 1 AND meshCandidates = 1)
    GROUP BY edgeTrace, meshTrace
) AS l
INNER JOIN traces AS t ON t.TraceId = l.edgeTrace
INNER JOIN traces AS m ON m.TraceId = l.meshTrace;

-- Over everything.
CREATE OR REPLACE VIEW seam_links {{on_cluster}} AS SELECT * FROM seam_links_between(fromNs = 0, toNs = 7258118400000000000);

-- Identity_time candidates that were dropped because they were not unique, for `seam_links` users
-- who want to see how many edge requests stayed unlinked for that reason.
CREATE OR REPLACE VIEW seam_ambiguous_identity_links {{on_cluster}} AS
SELECT e.TraceId AS EdgeTraceId, count(DISTINCT m.TraceId) AS Candidates, min(e.Timestamp) AS Timestamp, any(e.Subject) AS Subject
FROM (SELECT DISTINCT Subject, TraceId, Timestamp FROM seam_edge_subrequest_subjects_between(fromNs = 0, toNs = 7258118400000000000)) AS e
INNER JOIN (SELECT DISTINCT Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Method = 'identity_time' AND Side = 'mesh') AS m
    ON e.Subject = m.Key
WHERE e.TraceId != m.TraceId AND abs(dateDiff('millisecond', e.Timestamp, m.Timestamp)) <= {{identity_window_ms}}
  AND e.TraceId NOT IN (SELECT EdgeTraceId FROM seam_links)
GROUP BY e.TraceId
HAVING Candidates > 1;
