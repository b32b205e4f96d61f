-- 0005-page: what the tracking page needs beyond the core: the merchant's branding, FAQ and
-- promotion (JSON documents validated by http/api_page.c before they are saved), the customer's
-- choice of how to be told (consent per order, channel and address, from the page), browser push
-- subscriptions (RFC 8030/8291 keys; sending is the notifier's job), and incidents.
-- Times are epoch seconds.
CREATE TABLE page_settings (
  merchant_id  INTEGER PRIMARY KEY REFERENCES merchants(id),
  branding     TEXT,                 -- {"logo_url","primary_color","accent_color","display_name"}
  faq          TEXT,                 -- {"es":[{"q","a"}],"en":[{"q","a"}]}
  promotion    TEXT,                 -- {"text":{"es","en"},"link","image_url","starts_at","ends_at"}
  updated_at   INTEGER NOT NULL
);
-- One row per (order, channel, address): granted=1 "tell me here", granted=0 "stop".
-- The notifier reads the latest row of a customer/order before it sends on a channel.
CREATE TABLE page_consents (
  id           INTEGER PRIMARY KEY,
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  order_id     INTEGER NOT NULL REFERENCES orders(id),
  customer_id  INTEGER REFERENCES customers(id),
  channel      TEXT NOT NULL CHECK (channel IN ('email','sms','whatsapp','push')),
  address      TEXT NOT NULL,        -- e-mail, E.164 phone, or the push endpoint
  granted      INTEGER NOT NULL,
  source       TEXT NOT NULL,        -- tracking_page, api
  client_addr  TEXT,                 -- who asked (proof of consent)
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (order_id, channel, address)
);
CREATE INDEX page_consents_by_customer ON page_consents(customer_id) WHERE customer_id IS NOT NULL;
CREATE TABLE push_subscriptions (
  id           INTEGER PRIMARY KEY,
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  order_id     INTEGER NOT NULL REFERENCES orders(id),
  endpoint     TEXT NOT NULL,
  p256dh       TEXT NOT NULL,        -- base64url, 65-byte uncompressed P-256 point
  auth         TEXT NOT NULL,        -- base64url, 16 bytes
  created_at   INTEGER NOT NULL,
  revoked_at   INTEGER,
  UNIQUE (order_id, endpoint)
);
CREATE TABLE incidents (
  id           INTEGER PRIMARY KEY,
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  order_id     INTEGER NOT NULL REFERENCES orders(id),
  type         TEXT NOT NULL CHECK (type IN ('late','lost','damaged','missing_item','wrong_item',
                                               'address','customs','return','other')),
  state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','waiting_customer',
                                               'waiting_carrier','resolved','closed')),
  origin       TEXT NOT NULL,        -- tracking_page, api, email, bot, whatsapp, phone
  message      TEXT,
  contact      TEXT,                 -- how to reach the person who reported it (page)
  resolution   TEXT,
  locale       TEXT,
  sla_due_at   INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX incidents_by_merchant ON incidents(merchant_id, state, id);
CREATE INDEX incidents_by_order ON incidents(order_id);
