-- One trace in Grafana's trace view, read the way the data source's OTel trace-by-id does: the trace's
-- start and end from otel_traces_trace_id_ts, then its spans between them. The lookup is limited to the
-- dashboard window (padded by an hour, since links carry the window of the row they came from) so it
-- prunes partitions.
WITH
    '${trace_id}' AS wanted,
    (
        SELECT min(Start)
        FROM otel_traces_trace_id_ts
        WHERE TraceId = wanted AND Start <= $__toTime + INTERVAL 1 HOUR AND End >= $__fromTime - INTERVAL 1 HOUR
    ) AS trace_start,
    (
        SELECT max(End) + 1
        FROM otel_traces_trace_id_ts
        WHERE TraceId = wanted AND Start <= $__toTime + INTERVAL 1 HOUR AND End >= $__fromTime - INTERVAL 1 HOUR
    ) AS trace_end
SELECT
    TraceId AS traceID,
    SpanId AS spanID,
    ParentSpanId AS parentSpanID,
    ServiceName AS serviceName,
    SpanName AS operationName,
    Timestamp AS startTime,
    Duration / 1000000 AS duration,
    arrayMap(key -> map('key', key, 'value', SpanAttributes[key]), mapKeys(SpanAttributes)) AS tags,
    arrayMap(key -> map('key', key, 'value', ResourceAttributes[key]), mapKeys(ResourceAttributes)) AS serviceTags,
    SpanKind AS kind,
    StatusCode AS statusCode,
    StatusMessage AS statusMessage
FROM otel_traces
WHERE TraceId = wanted AND Timestamp >= trace_start AND Timestamp <= trace_end
ORDER BY startTime ASC
LIMIT 1000
