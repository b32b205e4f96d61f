-- 0002-inbound: per-merchant webhook integrations and the log of inbound deliveries.
-- Secrets are kept in clear: an HMAC can only be checked with the secret itself. previous_secret
-- stays valid until previous_until (a rotation: Shopify keeps signing with the old secret for up
-- to an hour). hook_id is a random, unguessable path segment, one per integration.
CREATE TABLE integrations (
  id              INTEGER PRIMARY KEY,
  merchant_id     INTEGER NOT NULL REFERENCES merchants(id),
  provider        TEXT NOT NULL,
  hook_id         TEXT NOT NULL UNIQUE,
  secret          TEXT NOT NULL,
  previous_secret TEXT,
  previous_until  INTEGER NOT NULL DEFAULT 0,
  mapping         TEXT,
  options         TEXT NOT NULL DEFAULT '{}',
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (merchant_id, provider)
);
-- One row per delivery attempt that passed the hook lookup. dedup_key is the provider's
-- delivery id, or "sha256:" + the body's hash when the provider sends none. Only one row per
-- key may say 'applied': that is what makes a re-delivery a duplicate. payload is the raw body,
-- set to NULL after 7 days (rs_store_inbound_purge).
CREATE TABLE inbound (
  id           INTEGER PRIMARY KEY,
  merchant_id  INTEGER NOT NULL REFERENCES merchants(id),
  source       TEXT NOT NULL,
  topic        TEXT,
  delivery_id  TEXT,
  dedup_key    TEXT,
  received_at  INTEGER NOT NULL,
  result       TEXT NOT NULL,
  reason       TEXT,
  summary      TEXT NOT NULL DEFAULT '{}',
  payload      BLOB,
  payload_type TEXT
);
CREATE UNIQUE INDEX inbound_applied_once ON inbound(merchant_id, source, dedup_key)
  WHERE result = 'applied' AND dedup_key IS NOT NULL;
CREATE INDEX inbound_by_merchant ON inbound(merchant_id, id);
CREATE INDEX inbound_payload_age ON inbound(received_at) WHERE payload IS NOT NULL;
