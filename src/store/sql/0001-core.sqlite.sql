-- 0001-core: merchants, API keys, customers, orders, shipments, events.
-- Statuses are stored by their canonical names (docs/statuses.md). Times are epoch seconds (UTC);
-- *_offset columns keep the source's UTC offset in minutes for display.
CREATE TABLE merchants (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  timezone    TEXT NOT NULL DEFAULT 'UTC',
  locale      TEXT NOT NULL DEFAULT 'es',
  settings    TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL
);
CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  prefix      TEXT NOT NULL,
  key_hash    BLOB NOT NULL UNIQUE,
  scopes      INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE TABLE customers (
  id                INTEGER PRIMARY KEY,
  merchant_id       INTEGER NOT NULL REFERENCES merchants(id),
  name              TEXT,
  email             TEXT,
  phone             TEXT,
  locale            TEXT,
  preferred_channel TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
CREATE INDEX customers_by_email ON customers(merchant_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_by_phone ON customers(merchant_id, phone) WHERE phone IS NOT NULL;
CREATE TABLE orders (
  id               INTEGER PRIMARY KEY,
  merchant_id      INTEGER NOT NULL REFERENCES merchants(id),
  order_ref        TEXT NOT NULL,
  tracking_code    TEXT NOT NULL UNIQUE,
  customer_id      INTEGER REFERENCES customers(id),
  placed_at        INTEGER NOT NULL,
  placed_offset    INTEGER NOT NULL DEFAULT 0,
  dest_postal_code TEXT,
  dest_city        TEXT,
  dest_region      TEXT,
  dest_country     TEXT,
  items            TEXT NOT NULL DEFAULT '[]',
  base_status      TEXT NOT NULL DEFAULT 'placed',
  status           TEXT NOT NULL DEFAULT 'placed',
  source           TEXT,
  input_hash       BLOB NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (merchant_id, order_ref)
);
CREATE TABLE shipments (
  id                  INTEGER PRIMARY KEY,
  merchant_id         INTEGER NOT NULL REFERENCES merchants(id),
  order_id            INTEGER NOT NULL REFERENCES orders(id),
  carrier             TEXT NOT NULL,
  tracking_number     TEXT NOT NULL,
  service             TEXT,
  origin_postal_code  TEXT,
  origin_city         TEXT,
  origin_region       TEXT,
  origin_country      TEXT,
  status              TEXT NOT NULL DEFAULT 'pending',
  substatus           TEXT NOT NULL DEFAULT '',
  action_required     INTEGER NOT NULL DEFAULT 0,
  status_at           INTEGER NOT NULL DEFAULT 0,
  last_event_at       INTEGER NOT NULL DEFAULT 0,
  shipped_at          INTEGER NOT NULL DEFAULT 0,
  out_for_delivery_at INTEGER NOT NULL DEFAULT 0,
  delivered_at        INTEGER NOT NULL DEFAULT 0,
  n_events            INTEGER NOT NULL DEFAULT 0,
  source              TEXT,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (merchant_id, carrier, tracking_number)
);
CREATE INDEX shipments_by_order ON shipments(order_id);
CREATE TABLE events (
  id              INTEGER PRIMARY KEY,
  shipment_id     INTEGER NOT NULL REFERENCES shipments(id),
  merchant_id     INTEGER NOT NULL,
  occurred_at     INTEGER NOT NULL,
  offset_min      INTEGER NOT NULL DEFAULT 0,
  received_at     INTEGER NOT NULL,
  status          TEXT NOT NULL,
  substatus       TEXT NOT NULL DEFAULT '',
  action_required INTEGER NOT NULL DEFAULT 0,
  code            TEXT,
  message         TEXT,
  city            TEXT,
  region          TEXT,
  country         TEXT,
  source          TEXT NOT NULL,
  dedup_key       BLOB NOT NULL,
  UNIQUE (shipment_id, dedup_key)
);
