-- 0006-consent: one consent model for the planner, the dispatcher and the tracking page, and
-- coupons granted as compensation for late deliveries.
--
-- Consent before this migration lived in two places: notify_optouts (read by the planner and
-- the dispatcher) and page_consents (written by the tracking page, read by nobody). Now:
--  * "stop" on any channel (SMS STOP, WhatsApp, e-mail one-click, the tracking page) is a row in
--    notify_optouts (customer, channel);
--  * "tell me on CHANNEL at ADDRESS" from the page is a row in notify_contacts (one per order and
--    channel): the planner uses its address as contact data for that order and the latest one
--    as the order's preferred channel; it also removes the customer's opt-out of that channel;
--  * the customer's own preferred_channel (customers) is set when the visitor proved who they
--    are (full level);
--  * a push "contact" is a live row of push_subscriptions.
-- page_consents rows are carried over (grants → notify_contacts, stops → notify_optouts) and the
-- table is dropped.
CREATE TABLE notify_contacts (
  id           INTEGER PRIMARY KEY,
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  order_id     INTEGER NOT NULL REFERENCES orders(id),
  customer_id  INTEGER REFERENCES customers(id),
  channel      TEXT NOT NULL CHECK (channel IN ('email','sms','whatsapp','push')),
  address      TEXT NOT NULL,        -- e-mail, E.164 phone, or the push endpoint
  source       TEXT NOT NULL,        -- tracking_page, api
  client_addr  TEXT,                 -- who asked (proof of consent)
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (order_id, channel)
);
INSERT INTO notify_contacts(merchant_id,order_id,customer_id,channel,address,source,client_addr,created_at,updated_at)
  SELECT merchant_id,order_id,customer_id,channel,address,source,client_addr,created_at,updated_at
  FROM page_consents WHERE granted=1 ORDER BY updated_at,id
  ON CONFLICT(order_id,channel) DO UPDATE SET address=excluded.address,updated_at=excluded.updated_at;
INSERT INTO notify_optouts(customer_id,channel,source,created_at)
  SELECT o.customer_id,p.channel,'tracking_page',max(p.updated_at) FROM page_consents p
  JOIN orders o ON o.id=p.order_id
  WHERE p.granted=0 AND o.customer_id IS NOT NULL GROUP BY o.customer_id,p.channel
  ON CONFLICT(customer_id,channel) DO NOTHING;
DROP INDEX page_consents_by_customer;
DROP TABLE page_consents;

-- Coupons: compensation granted by the merchant's policy (notification settings,
-- "compensation") when a promise is broken by more than it allows. One per shipment and reason.
CREATE TABLE coupons (
  id           INTEGER PRIMARY KEY,
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  order_id     INTEGER NOT NULL REFERENCES orders(id),
  shipment_id  INTEGER REFERENCES shipments(id),
  code         TEXT NOT NULL UNIQUE,  -- PREFIX-XXXX-XXXX, no 0/O/1/I
  kind         TEXT NOT NULL CHECK (kind IN ('percent','amount')),
  value_cents  INTEGER NOT NULL,      -- hundredths: 10 % = 1000, 5.00 EUR = 500
  currency     TEXT,                  -- amount coupons
  reason       TEXT NOT NULL,         -- late
  details      TEXT NOT NULL DEFAULT '{}',
  expires_at   INTEGER,
  created_at   INTEGER NOT NULL,
  UNIQUE (shipment_id, reason)
);
CREATE INDEX coupons_by_order ON coupons(order_id);
-- The coupon a compensation message is about.
ALTER TABLE outbox ADD COLUMN coupon_id INTEGER REFERENCES coupons(id);
