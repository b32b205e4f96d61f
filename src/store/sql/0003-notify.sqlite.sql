-- 0003-notify: customer notifications. Settings per merchant (JSON validated by
-- app/notify_settings.c before it is saved), consent per customer and channel, the outbox (one
-- row per planned message, written in the same transaction as the change that caused it) and
-- the log of every delivery attempt. Times are epoch seconds.
CREATE TABLE notify_settings (
  merchant_id  INTEGER PRIMARY KEY REFERENCES merchants(id),
  config       TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);
-- A row means "opted out of this channel" (absent = allowed: these are transactional notices).
CREATE TABLE notify_optouts (
  customer_id  INTEGER NOT NULL REFERENCES customers(id),
  channel      TEXT NOT NULL,
  source       TEXT NOT NULL,          -- sms_stop, whatsapp_stop, email_one_click, api
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (customer_id, channel)
);
-- Last message the customer sent us on WhatsApp: opens the 24-hour session window.
CREATE TABLE notify_wa_window (
  customer_id  INTEGER PRIMARY KEY REFERENCES customers(id),
  last_inbound_at INTEGER NOT NULL
);
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  merchant_id     INTEGER NOT NULL REFERENCES merchants(id),
  order_id        INTEGER NOT NULL REFERENCES orders(id),
  shipment_id     INTEGER REFERENCES shipments(id),
  customer_id     INTEGER REFERENCES customers(id),
  trigger         TEXT NOT NULL,
  channels        TEXT NOT NULL,        -- first channel then the fallback order: "email,sms"
  channel_index   INTEGER NOT NULL DEFAULT 0,
  channel         TEXT NOT NULL,        -- channels[channel_index]
  status          TEXT NOT NULL DEFAULT '',   -- what the message is about
  substatus       TEXT NOT NULL DEFAULT '',
  locale          TEXT NOT NULL DEFAULT 'es',
  state           TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued','sending','sent','delivered','failed','suppressed')),
  reason          TEXT,                 -- suppression reason, or why it failed
  deferred        INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,   -- on the current channel
  total_attempts  INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_until     INTEGER NOT NULL DEFAULT 0,
  lease_owner     TEXT,
  provider_id     TEXT,
  last_error      TEXT,
  subject         TEXT,                 -- rendered at send time, kept for the record
  body            TEXT,
  unsub_token     TEXT,
  idem_key        TEXT NOT NULL UNIQUE,
  resend_of       INTEGER REFERENCES outbox(id),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  sent_at         INTEGER,
  delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state IN ('queued','sending');
CREATE INDEX outbox_by_order ON outbox(order_id);
CREATE INDEX outbox_by_customer ON outbox(customer_id, created_at);
CREATE INDEX outbox_by_provider ON outbox(provider_id) WHERE provider_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_by_unsub ON outbox(unsub_token) WHERE unsub_token IS NOT NULL;
CREATE TABLE notify_attempts (
  id           INTEGER PRIMARY KEY,
  outbox_id    INTEGER NOT NULL REFERENCES outbox(id),
  channel      TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  result       TEXT NOT NULL,           -- sent, retry, next_channel, failed
  http_status  INTEGER,
  provider_id  TEXT,
  error        TEXT,
  worker       TEXT
);
CREATE INDEX notify_attempts_by_outbox ON notify_attempts(outbox_id);
