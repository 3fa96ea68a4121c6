-- description: Compensations the order saga ran (ReleaseInventory, RefundPayment) and how they
--   ended, by the reason the saga failed, over the last `days` delivery days, most frequent first
-- param: days (integer, default 30): delivery days before today to include, besides today
SELECT detail.data.reason.code AS reason,
       compensation.step AS step,
       compensation.status AS status,
       count(*) AS compensations
FROM order_saga_failed_v1
CROSS JOIN UNNEST(detail.data.compensations) AS compensation (step, status)
WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
GROUP BY 1, 2, 3
ORDER BY compensations DESC, reason, step, status
