-- description: Average value of confirmed orders per currency and delivery day, with their
--   count and revenue, over the last `days` delivery days
-- param: days (integer, default 30): delivery days before today to include, besides today
SELECT "date" AS day,
       detail.data.total.currency AS currency,
       count(*) AS orders,
       sum(cast(detail.data.total.amount AS decimal(38, 4))) AS revenue,
       round(avg(cast(detail.data.total.amount AS double)), 2) AS average
FROM order_confirmed_v1
WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
GROUP BY 1, 2
ORDER BY 1, 2
