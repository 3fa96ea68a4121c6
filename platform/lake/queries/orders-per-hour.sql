-- description: Orders placed per hour (UTC), over the last `days` delivery days
-- param: days (integer, default 7): delivery days before today to include, besides today
SELECT date_trunc('hour', from_iso8601_timestamp("time")) AS hour,
       count(*) AS orders
FROM order_placed_v2
WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
GROUP BY 1
ORDER BY 1
