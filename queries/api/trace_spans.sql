-- The spans of the given traces. The trace-id lookup table bounds the time range first, so only the
-- days (partitions) holding these traces are read.
SELECT
    TraceId AS traceId,
    SpanId AS spanId,
    ParentSpanId AS parentSpanId,
    toString(Layer) AS layer,
    toString(ServiceName) AS service,
    toString(SpanName) AS name,
    toString(SpanKind) AS kind,
    toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
    toString(Duration) AS durationNs,
    toString(StatusCode) AS status,
    StatusMessage AS statusMessage,
    HttpStatus AS httpStatus,
    SpanAttributes AS attributes
FROM otel_traces
WHERE TraceId IN {traceIds:Array(String)}
    AND Timestamp >= (SELECT toDateTime64(min(Start), 9) FROM otel_traces_trace_id_ts WHERE TraceId IN {traceIds:Array(String)})
    AND Timestamp < (SELECT toDateTime64(max(End), 9) + INTERVAL 1 SECOND FROM otel_traces_trace_id_ts WHERE TraceId IN {traceIds:Array(String)})
ORDER BY Timestamp, SpanId
LIMIT 1 BY TraceId, SpanId
LIMIT {maxSpans:UInt32}
