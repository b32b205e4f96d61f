-- 0017-orders-by-customer: a customer's orders, newest first, without reading every order of the
-- merchant. The bot looks them up on every message of a customer it knows (WhatsApp, SMS, e-mail:
-- "where is my order?" answers about each order on its way), and a privacy erasure finds them
-- the same way; before this index each look-up read all the merchant's orders.
CREATE INDEX orders_by_customer ON orders(merchant_id, customer_id, placed_at) WHERE customer_id IS NOT NULL;
