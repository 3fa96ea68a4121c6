-- description: The SKUs ordered most, by units in placed orders over the last `days` delivery
--   days: the first `top` ranks (ties share a rank)
-- param: days (integer, default 30): delivery days before today to include, besides today
-- param: top (integer, default 10): how many ranks to show
WITH ranked AS (
    SELECT line.sku AS sku,
           sum(line.quantity) AS units,
           count(*) AS order_lines,
           rank() OVER (ORDER BY sum(line.quantity) DESC) AS rank
    FROM order_placed_v2
    CROSS JOIN UNNEST(detail.data.lines) AS line (sku, quantity, unitPrice)
    WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
    GROUP BY line.sku
)
SELECT rank, sku, units, order_lines
FROM ranked
WHERE rank <= ?
ORDER BY rank, sku
