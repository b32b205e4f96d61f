-- 0011-order-ref-lookup: the tracking page's look-up form (/track) finds an order by its number
-- typed in any case and the customer's e-mail, across every shop of the installation. Without
-- this index each look-up read the whole orders table (a public form: its cost must not grow
-- with the installation). The query compares lower(order_ref), which this index serves.
CREATE INDEX orders_by_ref_nocase ON orders(lower(order_ref));
