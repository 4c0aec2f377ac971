-- A request's identity belongs to all its spans, and a mismatch names the workload that decided.
--
-- Join keys: every edge subrequest, with or without a subject or request id of its own, and every edge
-- request that names a subject get a row keyed by their trace id, so that correlation pairs each
-- subrequest with its request's subject when read (seam_edge_subrequest_subjects_between), however the
-- two spans arrive. The identity_time key on the edge side is no longer stored: it depended on the
-- subject being on the subrequest's own span, which only Seam's exporter sets.
-- The new view is created before the old one is dropped, so no insert meanwhile misses its keys; rows
-- both wrote are the same row, which the table and its readers deduplicate.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local seam_join_keys_from_spans_mv}} {{on_cluster}}
TO {{sharded seam_join_keys}}
AS SELECT
    key.1 AS Method,
    key.2 AS Key,
    if(JoinRole = 'mesh_entry', 'mesh', 'edge') AS Side,
    Timestamp,
    TraceId,
    SpanId,
    Subject
FROM {{local otel_traces}}
ARRAY JOIN [
    ('cf_ray', if(JoinRole IN ('edge_request', 'mesh_entry'), RayId, '')),
    ('request_id', if(JoinRole IN ('edge_subrequest', 'mesh_entry'), RequestId, '')),
    ('identity_time', if(JoinRole = 'mesh_entry', Subject, '')),
    ('edge_request', if(JoinRole = 'edge_request' AND Subject != '', TraceId, '')),
    ('edge_subrequest', if(JoinRole = 'edge_subrequest', TraceId, ''))
] AS key
WHERE JoinRole != '' AND key.2 != '' AND TraceId != '';

DROP VIEW IF EXISTS {{local seam_join_keys_mv}} {{on_cluster}};

-- Spans stored before get the same rows, read from the spans themselves: the previous version keyed
-- only subrequests that named their own subject. Edge subrequests are recognised as the enricher does
-- (collector/src/enrich/join-keys.ts): CLIENT spans, or non-root spans of unspecified kind naming a URL.
INSERT INTO {{sharded seam_join_keys}} (Method, Key, Side, Timestamp, TraceId, SpanId, Subject, InsertedAt)
SELECT if(JoinRole = 'edge_request', 'edge_request', 'edge_subrequest'), TraceId, 'edge', Timestamp, TraceId, SpanId, Subject, InsertedAt
FROM {{sharded otel_traces}}
WHERE Layer = 'edge' AND TraceId != ''
  AND ((JoinRole = 'edge_request' AND Subject != '')
       OR (JoinRole != 'edge_request'
           AND (SpanKind = 'Client'
                OR (SpanKind IN ('Unspecified', 'Internal') AND ParentSpanId != ''
                    AND (mapContains(SpanAttributes, 'url.full') OR mapContains(SpanAttributes, 'http.url'))))));

-- The mismatch rollup keeps who decided: the deciding point's evidence and span, and the mesh entry.
-- On one server both statements name the same table, and the second finds the columns present.
ALTER TABLE {{local seam_mismatch_rollup}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS MeshEvidence LowCardinality(String) AFTER KeyId,
    ADD COLUMN IF NOT EXISTS MeshSpanId String CODEC(ZSTD(1)) AFTER MeshEvidence,
    ADD COLUMN IF NOT EXISTS MeshEntryService LowCardinality(String) AFTER MeshSpanId;

ALTER TABLE {{sharded seam_mismatch_rollup}} {{on_cluster}}
    ADD COLUMN IF NOT EXISTS MeshEvidence LowCardinality(String) AFTER KeyId,
    ADD COLUMN IF NOT EXISTS MeshSpanId String AFTER MeshEvidence,
    ADD COLUMN IF NOT EXISTS MeshEntryService LowCardinality(String) AFTER MeshSpanId;

-- Minutes rolled up before were correlated the old way and lack these columns: every minute is read
-- from rows again until the rollup has recomputed it.
INSERT INTO {{sharded seam_mismatch_minutes}} (Minute, LastInsert)
SELECT Minute, now() FROM {{sharded seam_mismatch_minutes}} GROUP BY Minute;
