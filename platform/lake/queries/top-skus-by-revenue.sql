-- description: The SKUs with the most revenue in one currency (quantity times unit price, in
--   placed orders) over the last `days` delivery days: the first `top` ranks (ties share a rank)
-- param: days (integer, default 30): delivery days before today to include, besides today
-- param: currency (varchar, default EUR): the currency of the prices (ISO 4217)
-- param: top (integer, default 10): how many ranks to show
WITH ranked AS (
    SELECT line.sku AS sku,
           sum(line.quantity * cast(line.unitPrice.amount AS decimal(38, 4))) AS revenue,
           sum(line.quantity) AS units,
           rank() OVER (
               ORDER BY sum(line.quantity * cast(line.unitPrice.amount AS decimal(38, 4))) DESC
           ) AS rank
    FROM order_placed_v2
    CROSS JOIN UNNEST(detail.data.lines) AS line (sku, quantity, unitPrice)
    WHERE "date" >= cast(date_add('day', -?, current_date) AS varchar)
      AND line.unitPrice.currency = ?
    GROUP BY line.sku
)
SELECT rank, sku, revenue, units
FROM ranked
WHERE rank <= ?
ORDER BY rank, sku
