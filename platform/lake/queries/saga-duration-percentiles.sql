-- description: How long order sagas take, from OrderPlaced to the saga's outcome (both as their
--   producers stamped them, joined by correlation id), by outcome: count, 50th, 90th and 99th
--   percentiles and maximum in milliseconds, for sagas whose events were delivered in the last
--   `days` delivery days
-- param: days (integer, default 7): delivery days before today to include, besides today
WITH steps AS (
    SELECT detail.metadata.correlationId AS saga, 'placed' AS step,
           detail.metadata.occurredAt AS occurred_at, "date"
    FROM order_placed_v2
    UNION ALL
    SELECT detail.metadata.correlationId, 'succeeded', detail.metadata.occurredAt, "date"
    FROM order_saga_succeeded_v1
    UNION ALL
    SELECT detail.metadata.correlationId, 'failed', detail.metadata.occurredAt, "date"
    FROM order_saga_failed_v1
),
sagas AS (
    SELECT saga,
           min(CASE WHEN step = 'placed' THEN from_iso8601_timestamp(occurred_at) END)
               AS placed_at,
           max(CASE WHEN step <> 'placed' THEN step END) AS outcome,
           max(CASE WHEN step <> 'placed' THEN from_iso8601_timestamp(occurred_at) END)
               AS ended_at
    FROM steps
    WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
    GROUP BY saga
),
durations AS (
    SELECT outcome, date_diff('millisecond', placed_at, ended_at) AS ms
    FROM sagas
    WHERE placed_at IS NOT NULL AND outcome IS NOT NULL
)
SELECT outcome,
       count(*) AS sagas,
       approx_percentile(ms, 0.5) AS p50_ms,
       approx_percentile(ms, 0.9) AS p90_ms,
       approx_percentile(ms, 0.99) AS p99_ms,
       max(ms) AS max_ms
FROM durations
GROUP BY outcome
ORDER BY outcome
