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

-- Over everything.
CREATE OR REPLACE VIEW seam_decision_points {{on_cluster}} AS SELECT * FROM seam_decision_points_between(fromNs = 0, toNs = 7258118400000000000);
