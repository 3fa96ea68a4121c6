-- description: Why order sagas failed, by step and reason code, over the last `days` delivery
--   days, most frequent first
-- param: days (integer, default 30): delivery days before today to include, besides today
SELECT detail.data.failedStep AS step,
       detail.data.reason.code AS reason,
       count(*) AS sagas
FROM order_saga_failed_v1
WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
GROUP BY 1, 2
ORDER BY sagas DESC, step, reason
