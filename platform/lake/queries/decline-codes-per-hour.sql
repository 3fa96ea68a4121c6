-- description: Payment declines per hour (UTC) and decline code, with how many were retryable,
--   over the last `days` delivery days
-- param: days (integer, default 7): delivery days before today to include, besides today
SELECT date_trunc('hour', from_iso8601_timestamp("time")) AS hour,
       detail.data.declineCode AS decline_code,
       count(*) AS declines,
       count_if(detail.data.retryable) AS retryable
FROM payment_declined_v1
WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
GROUP BY 1, 2
ORDER BY 1, 2
