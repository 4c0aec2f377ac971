-- Services seen in the window, read from the per-trace summary rather than the spans.
SELECT DISTINCT arrayJoin(Services) AS service
FROM seam_trace_summary
WHERE Day >= toDate($__fromTime) AND Day <= toDate($__toTime) AND Start <= $__toTime AND End >= $__fromTime
ORDER BY service
