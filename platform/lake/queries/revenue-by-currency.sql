-- description: Revenue of confirmed orders by delivery day and currency, over the last `days`
--   delivery days
-- param: days (integer, default 30): delivery days before today to include, besides today
SELECT "date" AS day,
       detail.data.total.currency AS currency,
       sum(cast(detail.data.total.amount AS decimal(38, 4))) AS revenue,
       count(*) AS orders
FROM order_confirmed_v1
WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
GROUP BY 1, 2
ORDER BY 1, 2
