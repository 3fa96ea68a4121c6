-- description: Placed to confirmed funnel: per hour (UTC) an order was placed, how many orders
--   were placed and how many of them were confirmed, over the last `days` delivery days
-- param: days (integer, default 7): delivery days before today to include, besides today
WITH stages AS (
    SELECT detail.data.orderId AS order_id, 'placed' AS stage, "time", "date"
    FROM order_placed_v2
    UNION ALL
    SELECT detail.data.orderId, 'confirmed', "time", "date"
    FROM order_confirmed_v1
),
orders AS (
    SELECT order_id,
           min(CASE WHEN stage = 'placed' THEN from_iso8601_timestamp("time") END) AS placed_at,
           count_if(stage = 'confirmed') > 0 AS confirmed
    FROM stages
    WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
    GROUP BY order_id
)
SELECT date_trunc('hour', placed_at) AS hour,
       count(*) AS placed,
       count_if(confirmed) AS confirmed,
       cast(count_if(confirmed) AS double) / count(*) AS confirmed_share
FROM orders
WHERE placed_at IS NOT NULL
GROUP BY 1
ORDER BY 1
