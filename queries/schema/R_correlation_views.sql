-- Repeatable: re-created at every start and `seam migrate`, rendered with the configured identity
-- window and key rotation period. Correlation is computed when read, from state that is already in
-- ClickHouse (summary, decisions, join keys), so it is the same whichever replica received which span,
-- in whatever order and however late.
--
-- Each view comes twice. `<name>_between(fromNs = …, toNs = …)` reads only the partitions and rows near
-- that window (five minutes plus the identity window either side, where the other half of a request may
-- lie; the partial rows of one trace or decision point all lie near its time), so its cost follows the
-- window, not the whole store; it may return rows just outside the window, and callers filter on
-- Timestamp. `<name>` is the same over everything, for ad-hoc SQL and dashboards.

-- Per minute of the window that holds decision rows: the rollup generation of its counts (0: none
-- yet), whether that generation is still right (Settled: no decision row has arrived for the minute
-- since it was computed), and when the minute's last decision row arrived.
CREATE OR REPLACE VIEW seam_decision_minute_states_between {{on_cluster}} AS
SELECT Minute, generation AS Generation, settledBefore > lastInsert AS Settled, lastInsert AS LastInsert
FROM
(
    SELECT Minute, max(Generation) AS generation, max(SettledBefore) AS settledBefore, max(LastInsert) AS lastInsert
    FROM {{sharded seam_decision_minutes}}
    WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})
    GROUP BY Minute
);

-- Every authorization decision point with its strongest evidence: the one place readers get decisions
-- from (API, CLI, dashboards). A span-evidence deny on a proxy that forwarded upstream is the
-- upstream's answer passing through, so it is read as an allow.
-- `seam_decision_points_within` builds points from the rows stamped exactly within [fromNs, toNs];
-- with unsettledOnly = 1 it skips rows more than five minutes older than the window's first minute
-- that the rollup does not cover (all rows of one point, span, access log and forwarded child, lie
-- within seconds of each other).
CREATE OR REPLACE VIEW seam_decision_points_within {{on_cluster}} AS
SELECT
    ts AS Timestamp, TraceId, SpanId, parent AS ParentSpanId, layer AS Layer, service AS ServiceName, name AS SpanName,
    subject AS Subject, issuer AS Issuer, kid AS KeyId, mapping AS MappingVersion, groups AS Groups, status AS HttpStatus,
    if(overridden, 'allow', decision) AS Decision,
    if(overridden, '', reason) AS Reason,
    if(overridden, '', policy) AS Policy,
    if(overridden, 'inferred', evidence) AS Evidence,
    dryResult AS DryRunResult, dryPolicy AS DryRunPolicy
FROM
(
    WITH (
        -- Five minutes before the window's first minute not covered by the rollup (a day past the
        -- window when there is none, which prunes every partition).
        SELECT ifNull(minOrNull(Minute), fromUnixTimestamp64Nano({toNs:Int64}) + INTERVAL 1 DAY) - INTERVAL 5 MINUTE
        FROM seam_decision_minute_states_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64})
        WHERE NOT Settled
    ) AS unsettledFrom
    SELECT TraceId, SpanId, min(Timestamp) AS ts, max(ParentSpanId) AS parent, max(Layer) AS layer,
           max(ServiceName) AS service, max(SpanName) AS name, max(Subject) AS subject, max(Issuer) AS issuer,
           max(KeyId) AS kid, max(MappingVersion) AS mapping, arraySort(groupUniqArrayArray(Groups)) AS groups,
           max(HttpStatus) AS status, max(Verdict) AS verdict, verdict.2 AS decision, verdict.3 AS reason,
           verdict.4 AS policy, verdict.5 AS evidence, max(DryRunResult) AS dryResult, max(DryRunPolicy) AS dryPolicy,
           max(Forwarded) = 1 AND evidence = 'span' AND decision = 'deny' AS overridden
    FROM {{sharded seam_decisions}}
    WHERE Day BETWEEN toDate32(fromUnixTimestamp64Nano({fromNs:Int64})) AND toDate32(fromUnixTimestamp64Nano({toNs:Int64}))
      AND {{in_window Timestamp}}
      AND ({unsettledOnly:UInt8} = 0 OR (Day >= toDate32(unsettledFrom) AND Timestamp >= unsettledFrom))
    GROUP BY TraceId, SpanId
    HAVING max(IsDecisionPoint) = 1
);

CREATE OR REPLACE VIEW seam_decision_points_between {{on_cluster}} AS
SELECT * FROM seam_decision_points_within(fromNs = {fromNs:Int64} - {{near_margin_ns}}, toNs = {toNs:Int64} + {{near_margin_ns}}, unsettledOnly = 0);

-- Decision points per minute of the window and per dimension, computed from the decision rows. The
-- rows read reach five minutes before and six after the window, so every point of a boundary minute
-- is whole. The collector's rollup stores this for quiet minutes (queries/rollup/).
CREATE OR REPLACE VIEW seam_decision_counts_computed_between {{on_cluster}} AS
SELECT
    toStartOfMinute(Timestamp) AS Minute, Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence,
    DryRunResult, DryRunPolicy, count() AS Points
FROM seam_decision_points_within(fromNs = {fromNs:Int64} - 300000000000, toNs = {toNs:Int64} + 360000000000, unsettledOnly = {unsettledOnly:UInt8})
WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})
GROUP BY Minute, Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy;

-- Decision points per minute and dimension for every minute that starts in the window: the rollup's
-- generation for minutes with no decision row since it was computed, and the rows themselves for the
-- rest, so a count is never stale. Sum Points; ARRAY JOIN Groups to count by group.
CREATE OR REPLACE VIEW seam_decision_counts_between {{on_cluster}} AS
-- The settled minutes, as seam_decision_minute_states_between says, written out: this CTE is read
-- twice, and reading it through that view cost each analytics query about 10 ms more (1 M spans).
WITH settled AS (
    SELECT Minute, max(Generation) AS generation
    FROM {{sharded seam_decision_minutes}}
    WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})
    GROUP BY Minute
    HAVING max(SettledBefore) > max(LastInsert)
)
SELECT Minute, Layer, ServiceName, Groups, Decision, Reason, Policy, Evidence, DryRunResult, DryRunPolicy, Points
FROM {{sharded seam_decision_rollup}}
WHERE Minute BETWEEN toStartOfMinute(fromUnixTimestamp64Nano({fromNs:Int64})) AND fromUnixTimestamp64Nano({toNs:Int64})
  AND (Minute, Generation) IN (SELECT Minute, generation FROM settled)
UNION ALL
SELECT *
FROM seam_decision_counts_computed_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}, unsettledOnly = 1)
WHERE Minute NOT IN (SELECT Minute FROM settled);

-- One row per edge ↔ mesh trace pair, strongest method first: same trace id; the Cloudflare ray id;
-- the request id the edge set; or the same subject entering the mesh within the identity window of the
-- edge's subrequest, only when that match is unique both ways and neither side has a stronger link.
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
                            FROM {{sharded seam_join_keys}}
                            WHERE {{near_window Timestamp}}
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

-- One row per edge request (an edge trace with an edge SERVER span), with its strongest link.
CREATE OR REPLACE VIEW seam_edge_requests_between {{on_cluster}} AS
SELECT
    s.Start AS Timestamp,
    s.TraceId AS TraceId,
    s.EdgeService AS EdgeService,
    s.EdgeSubject AS Subject,
    s.EdgeDecision AS Decision,
    s.EdgeReason AS Reason,
    s.EdgeKeyId AS KeyId,
    l.linkMethod AS LinkMethod,
    l.linkMesh AS MeshTraceId,
    l.linkService AS MeshService
FROM
(
    SELECT TraceId, min(Start) AS Start, max(EdgeService) AS EdgeService, max(EdgeSubject) AS EdgeSubject,
           max(EdgeDecision) AS EdgeDecision, max(EdgeReason) AS EdgeReason, max(EdgeKeyId) AS EdgeKeyId
    FROM {{sharded seam_trace_summary}} AS summary
    WHERE {{near_window_days summary.Day}} AND {{near_window summary.Start}}
    GROUP BY TraceId
    HAVING sum(EdgeRequests) > 0
) AS s
LEFT JOIN
(
    SELECT EdgeTraceId, argMin(Method, rank) AS linkMethod, argMin(MeshTraceId, rank) AS linkMesh, argMin(MeshService, rank) AS linkService
    FROM (SELECT *, indexOf(['trace_id', 'cf_ray', 'request_id', 'identity_time'], Method) AS rank FROM seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}))
    GROUP BY EdgeTraceId
) AS l ON l.EdgeTraceId = s.TraceId
SETTINGS join_use_nulls = 0;

-- Edge requests made with a signing key first seen more than the rotation period before them. Kept
-- apart from the other kinds because it alone depends on data far away in time: a key found later in
-- older data moves its first sighting back, so these rows are always computed when read.
CREATE OR REPLACE VIEW seam_stale_key_mismatches_between {{on_cluster}} AS
SELECT
    'stale_key' AS Kind, t.Start AS Timestamp, t.TraceId AS TraceId, '' AS MeshTraceId, t.edgeSubject AS Subject,
    t.edgeDecision AS EdgeDecision, t.edgeReason AS EdgeReason, '' AS MeshDecision, '' AS MeshReason, '' AS MeshPolicy,
    t.edgeService AS EdgeService, '' AS MeshService, t.edgeKey AS KeyId
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
    meshVerdicts AS (
        SELECT TraceId,
               if(countIf(decision = 'deny') > 0, 'deny', 'allow') AS meshDecision,
               argMinIf(reason, ts, decision = 'deny') AS meshReason,
               argMinIf(policy, ts, decision = 'deny') AS meshPolicy
        FROM (SELECT TraceId, Timestamp AS ts, Decision AS decision, Reason AS reason, Policy AS policy FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64}) WHERE Layer != 'edge')
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
    v.meshReason AS MeshReason,
    v.meshPolicy AS MeshPolicy,
    e.edgeService AS EdgeService,
    p.meshService AS MeshService,
    e.edgeKey AS KeyId
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

-- The decision points under lowercase names, as the API returns them and dashboard panels read them:
-- queries that name their outputs after the view's own columns (Reason, Policy, Layer…) would
-- otherwise have ClickHouse resolve those columns to the output aliases.
CREATE OR REPLACE VIEW seam_decision_records_between {{on_cluster}} AS
SELECT
    Timestamp AS ts,
    TraceId AS traceId,
    SpanId AS spanId,
    Layer AS layer,
    ServiceName AS service,
    Subject AS subject,
    Groups AS groups,
    Decision AS decision,
    Reason AS reason,
    Policy AS policy,
    Evidence AS evidence,
    KeyId AS keyId,
    DryRunResult AS dryRunResult,
    DryRunPolicy AS dryRunPolicy
FROM seam_decision_points_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

-- Links and mismatches under the API's lowercase names, for the same reason.
CREATE OR REPLACE VIEW seam_link_records_between {{on_cluster}} AS
SELECT
    Timestamp AS ts,
    EdgeTraceId AS edgeTraceId,
    MeshTraceId AS meshTraceId,
    Method AS method,
    Confidence AS confidence,
    EdgeService AS edgeService,
    MeshService AS meshService,
    Subject AS subject
FROM seam_links_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

CREATE OR REPLACE VIEW seam_mismatch_records_between {{on_cluster}} AS
SELECT
    Kind AS kind,
    Timestamp AS ts,
    TraceId AS traceId,
    MeshTraceId AS meshTraceId,
    Subject AS subject,
    EdgeDecision AS edgeDecision,
    EdgeReason AS edgeReason,
    MeshDecision AS meshDecision,
    MeshReason AS meshReason,
    MeshPolicy AS meshPolicy,
    EdgeService AS edgeService,
    MeshService AS meshService,
    KeyId AS keyId
FROM seam_mismatches_between(fromNs = {fromNs:Int64}, toNs = {toNs:Int64});

-- Self time per span: its duration minus its direct children's, floored at 0 (children may overlap).
-- Summed per trace and layer it splits a request's time between edge, gateway, sidecars and app; without
-- application spans a sidecar's inbound span also holds the application's time. Each row carries its
-- trace's route (the edge's http.route, else the gateway's route decorator, its span name) and the
-- trace's services and subjects, for the latency dashboard's filters.
CREATE OR REPLACE VIEW seam_self_time_between {{on_cluster}} AS
SELECT
    spans.trace AS TraceId,
    spans.ts AS Timestamp,
    spans.layer AS Layer,
    spans.selfNs AS SelfNs,
    routes.route AS Route,
    routes.services AS Services,
    routes.subjects AS Subjects
FROM
(
    SELECT parent.TraceId AS trace, parent.Timestamp AS ts, toString(parent.Layer) AS layer,
           greatest(toInt64(parent.Duration) - toInt64(sum(child.Duration)), 0) AS selfNs
    FROM (SELECT TraceId, SpanId, Timestamp, Layer, Duration FROM {{sharded otel_traces}} WHERE {{near_window Timestamp}}) AS parent
    LEFT JOIN
    (
        SELECT TraceId, ParentSpanId, Duration FROM {{sharded otel_traces}} WHERE {{near_window Timestamp}} AND ParentSpanId != ''
    ) AS child ON child.TraceId = parent.TraceId AND child.ParentSpanId = parent.SpanId
    GROUP BY parent.TraceId, parent.SpanId, parent.Timestamp, parent.Layer, parent.Duration
) AS spans
INNER JOIN
(
    SELECT
        TraceId AS routeTrace,
        coalesce(
            nullIf(anyIf(SpanAttributes['http.route'], JoinRole = 'edge_request'), ''),
            nullIf(argMinIf(toString(SpanName), Timestamp, Layer = 'gateway' AND SpanKind = 'Server'), ''),
            argMin(toString(SpanName), Timestamp)
        ) AS route,
        groupUniqArray(toString(ServiceName)) AS services,
        groupUniqArrayIf(Subject, Subject != '') AS subjects
    FROM {{sharded otel_traces}}
    WHERE {{near_window Timestamp}}
    GROUP BY TraceId
) AS routes ON routes.routeTrace = spans.trace
SETTINGS join_use_nulls = 0;

-- The same views over everything.
CREATE OR REPLACE VIEW seam_decision_points {{on_cluster}} AS SELECT * FROM seam_decision_points_between(fromNs = 0, toNs = 7258118400000000000);
CREATE OR REPLACE VIEW seam_links {{on_cluster}} AS SELECT * FROM seam_links_between(fromNs = 0, toNs = 7258118400000000000);
CREATE OR REPLACE VIEW seam_edge_requests {{on_cluster}} AS SELECT * FROM seam_edge_requests_between(fromNs = 0, toNs = 7258118400000000000);
CREATE OR REPLACE VIEW seam_mismatches {{on_cluster}} AS SELECT * FROM seam_mismatches_between(fromNs = 0, toNs = 7258118400000000000);

-- Identity_time candidates that were dropped because they were not unique, for `seam_links` users
-- who want to see how many edge requests stayed unlinked for that reason.
CREATE OR REPLACE VIEW seam_ambiguous_identity_links {{on_cluster}} AS
SELECT e.TraceId AS EdgeTraceId, count(DISTINCT m.TraceId) AS Candidates, min(e.Timestamp) AS Timestamp, any(e.Key) AS Subject
FROM (SELECT DISTINCT Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Method = 'identity_time' AND Side = 'edge') AS e
INNER JOIN (SELECT DISTINCT Key, TraceId, Timestamp FROM {{sharded seam_join_keys}} WHERE Method = 'identity_time' AND Side = 'mesh') AS m
    ON e.Key = m.Key
WHERE e.TraceId != m.TraceId AND abs(dateDiff('millisecond', e.Timestamp, m.Timestamp)) <= {{identity_window_ms}}
  AND e.TraceId NOT IN (SELECT EdgeTraceId FROM seam_links)
GROUP BY e.TraceId
HAVING Candidates > 1;

-- Replaced by seam_decision_records_between; stores created by an earlier version still hold it.
DROP VIEW IF EXISTS seam_dashboard_decisions_between {{on_cluster}};
