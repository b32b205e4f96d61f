-- a database written by 111cd36 (2026-12-06) at schema version 7
-- API key: rk_7rmry6t5_9y6z19ykhfm44bcem2davq9pf97g18yg
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
INSERT INTO schema_migrations VALUES(1,'0001-core.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(2,'0002-inbound.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(3,'0003-notify.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(4,'0004-promise.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(5,'0005-page.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(6,'0006-consent.sqlite.sql',1796640878);
INSERT INTO schema_migrations VALUES(7,'0007-support.sqlite.sql',1796640878);
CREATE TABLE merchants (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  timezone    TEXT NOT NULL DEFAULT 'UTC',
  locale      TEXT NOT NULL DEFAULT 'es',
  settings    TEXT NOT NULL DEFAULT '{}',
  created_at  INTEGER NOT NULL
);
INSERT INTO merchants VALUES(1,'Tienda Sol','Europe/Madrid','es','{}',1796640878);
CREATE TABLE api_keys (
  id          INTEGER PRIMARY KEY,
  merchant_id INTEGER NOT NULL REFERENCES merchants(id),
  prefix      TEXT NOT NULL,
  key_hash    BLOB NOT NULL UNIQUE,
  scopes      INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
INSERT INTO api_keys VALUES(1,1,'rk_7rmry6t5',X'a131c7c051dc00b0fbc2e9edddd25fa4d7b9570df00726da8abe0db41889f5fe',7,1796640878,NULL);
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
, timezone TEXT, erased_at INTEGER);
INSERT INTO customers VALUES(1,1,'Javier Martín','javier@example.es','+34612345678','es','sms',1796640879,1796640879,NULL,NULL);
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
INSERT INTO orders VALUES(1,1,'OLD-1','RX-42QF-BS0A-MFZAQ',1,1796115600,0,'28013','Madrid','MAD','ES','[]','placed','in_transit','api',X'4c052960128accd5a50c6d576ca6da1411922e89dbeb5dd97bac151cceda96b1',1796640879,1796640879);
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
INSERT INTO shipments VALUES(1,1,1,'correos','OLDQ1',NULL,NULL,NULL,'BCN','ES','in_transit','',0,1796202000,1796202000,1796202000,0,0,1,'api',1796640879,1796640879);
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
INSERT INTO events VALUES(1,1,1,1796202000,0,1796640879,'in_transit','',0,NULL,NULL,NULL,NULL,NULL,'api',X'cb1feecf3911a89d5b591ca796ddbaf8');
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
CREATE TABLE notify_settings (
  merchant_id  INTEGER PRIMARY KEY REFERENCES merchants(id),
  config       TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);
INSERT INTO notify_settings VALUES(1,replace('{"public_base_url":"http://127.0.0.1:9","merchant_name":"Tienda Sol","timezone":"Europe/Madrid",\012 "email":{"smtp_url":"smtp://127.0.0.1:9","starttls":"none","from":"Tienda Sol <avisos@tienda-sol.example.es>",\012          "reply_to":"ayuda@tienda-sol.example.es,pedidos@tienda-sol.example.es"},\012 "sms":{"provider":"twilio","base_url":"http://127.0.0.1:9","account_sid":"AC3f9d1c2b7a8e4f6a0b5c9d8e7f6a5b4c",\012        "auth_token":"2f8a6c1e9b3d4f5a7c0e1b2d3f4a5c6e","messaging_service_sid":"MG7e2a9c4b1d3f5e8a6c0b2d4f6a8c0e1b"},\012 "webhook":{"url":"http://127.0.0.1:9/webhooks/rastro","secret":"whsec_OmnWCGzozlLHDfoWvqXOPjXwQEHjQ1WrLD+Mf2NpSxk="},\012 "triggers":{"*":["sms"],"shipped":["sms","webhook"],"out_for_delivery":["sms","webhook"]},\012 "channel_order":["sms"],"retry":{"base_s":1,"max_delay_s":2,"max_attempts":2,"max_retry_after_s":30},\012 "templates":{"es":"=== out_for_delivery.sms.text\nHola {{first_name}}, tu pedido {{order_ref}} llega hoy: {{tracking_url}}\n"},\012 "timeout_s":2}\012','\012',char(10)),1796640878);
CREATE TABLE notify_optouts (
  customer_id  INTEGER NOT NULL REFERENCES customers(id),
  channel      TEXT NOT NULL,
  source       TEXT NOT NULL,          -- sms_stop, whatsapp_stop, email_one_click, api
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (customer_id, channel)
);
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
, coupon_id INTEGER REFERENCES coupons(id));
INSERT INTO outbox VALUES(1,1,1,NULL,1,'order_confirmed','sms',0,'sms','','','es','queued',NULL,0,0,0,1796640879,0,NULL,NULL,NULL,NULL,NULL,'6de4c2da6a01ff8f9e6b0fa536b5bd8d','o1:order_confirmed:-',NULL,1796640879,1796640879,NULL,NULL,NULL);
INSERT INTO outbox VALUES(2,1,1,1,1,'shipped','sms',0,'sms','in_transit','','es','queued',NULL,0,0,0,1796640879,0,NULL,NULL,NULL,NULL,NULL,'d2ab9e2f36636f9b203b215c4cadfb9e','s1:shipped:in_transit',NULL,1796640879,1796640879,NULL,NULL,NULL);
INSERT INTO outbox VALUES(3,1,1,1,1,'shipped','webhook',0,'webhook','in_transit','','es','queued',NULL,0,0,0,1796640879,0,NULL,NULL,NULL,NULL,NULL,NULL,'s1:shipped:in_transit:webhook',NULL,1796640879,1796640879,NULL,NULL,NULL);
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
CREATE TABLE promise_settings (
  merchant_id     INTEGER PRIMARY KEY REFERENCES merchants(id),
  confidence      REAL NOT NULL DEFAULT 0.90,  -- target probability of delivery by `latest`
  country         TEXT,                        -- holidays; NULL = the order's destination country
  cutoff          TEXT,                        -- dispatch cut-off "HH:MM" local; NULL = none
  holidays_add    TEXT NOT NULL DEFAULT '[]',  -- JSON array of "YYYY-MM-DD" closed days
  holidays_remove TEXT NOT NULL DEFAULT '[]',  -- JSON array of "YYYY-MM-DD" open days
  updated_at      INTEGER NOT NULL
);
INSERT INTO promise_settings VALUES(1,0.99899999999999999911,NULL,'9:05','[]','[]',1796640878);
CREATE TABLE promise_models (
  merchant_id INTEGER PRIMARY KEY REFERENCES merchants(id),
  version     INTEGER NOT NULL,
  model       TEXT NOT NULL,
  n_learned   INTEGER NOT NULL,
  source      TEXT NOT NULL,                   -- "history:FILE" or "store"
  trained_at  INTEGER NOT NULL
);
CREATE TABLE shipment_promises (
  shipment_id    INTEGER PRIMARY KEY REFERENCES shipments(id),
  merchant_id    INTEGER NOT NULL,
  earliest       INTEGER NOT NULL,
  likely         INTEGER NOT NULL,
  latest         INTEGER NOT NULL,
  probability    REAL NOT NULL,
  confidence     REAL NOT NULL,
  low_confidence INTEGER NOT NULL DEFAULT 0,
  told_earliest  INTEGER NOT NULL,
  told_latest    INTEGER NOT NULL,
  final          INTEGER NOT NULL DEFAULT 0,   -- 1 once delivered (window = the delivery day)
  model_version  INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);
CREATE TABLE promise_history (
  id            INTEGER PRIMARY KEY,
  shipment_id   INTEGER NOT NULL REFERENCES shipments(id),
  merchant_id   INTEGER NOT NULL,
  at            INTEGER NOT NULL,
  reason        TEXT NOT NULL,                 -- created, handed_over, in_transit, out_for_delivery, …
  old_earliest  INTEGER,
  old_latest    INTEGER,
  new_earliest  INTEGER NOT NULL,
  new_likely    INTEGER NOT NULL,
  new_latest    INTEGER NOT NULL,
  probability   REAL NOT NULL
);
CREATE TABLE shipment_delays (
  id          INTEGER PRIMARY KEY,
  shipment_id INTEGER NOT NULL REFERENCES shipments(id),
  merchant_id INTEGER NOT NULL,
  cause       TEXT NOT NULL,
  window_key  INTEGER NOT NULL,
  detected_at INTEGER NOT NULL,
  details     TEXT NOT NULL DEFAULT '{}',
  UNIQUE (shipment_id, cause, window_key)
);
CREATE TABLE page_settings (
  merchant_id  INTEGER PRIMARY KEY REFERENCES merchants(id),
  branding     TEXT,                 -- {"logo_url","primary_color","accent_color","display_name"}
  faq          TEXT,                 -- {"es":[{"q","a"}],"en":[{"q","a"}]}
  promotion    TEXT,                 -- {"text":{"es","en"},"link","image_url","starts_at","ends_at"}
  updated_at   INTEGER NOT NULL
);
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
, conversation_id INTEGER REFERENCES conversations(id), customer_id INTEGER REFERENCES customers(id), assigned_agent_id INTEGER REFERENCES agents(id), resolved_by TEXT, resolved_at INTEGER, coupon_id INTEGER REFERENCES coupons(id), policy TEXT, offer TEXT, shipment_id INTEGER REFERENCES shipments(id));
INSERT INTO incidents VALUES(1,1,1,'late','open','api',NULL,NULL,NULL,NULL,1796813679,1796640879,1796640879,1,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
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
  created_at   INTEGER NOT NULL, issued_by TEXT, incident_id INTEGER REFERENCES incidents(id),
  UNIQUE (shipment_id, reason)
);
CREATE TABLE agents (
  id            INTEGER PRIMARY KEY,
  merchant_id   INTEGER NOT NULL REFERENCES merchants(id),
  email         TEXT NOT NULL UNIQUE,           -- lower case
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,                  -- argon2id PHC string ($argon2id$v=19$m=…)
  role          TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent','admin')),
  locale        TEXT NOT NULL DEFAULT 'es',
  created_at    INTEGER NOT NULL,
  disabled_at   INTEGER
);
CREATE TABLE agent_sessions (
  token_hash   BLOB PRIMARY KEY,
  agent_id     INTEGER NOT NULL REFERENCES agents(id),
  csrf_token   TEXT NOT NULL,                   -- random, sent back in every form
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE TABLE conversations (
  id                INTEGER PRIMARY KEY,
  merchant_id       INTEGER NOT NULL REFERENCES merchants(id),
  customer_id       INTEGER REFERENCES customers(id),  -- NULL: sender not (yet) known
  phone             TEXT,                 -- E.164, as the customer wrote from it
  email             TEXT,                 -- lower case
  channel           TEXT NOT NULL CHECK (channel IN ('sms','whatsapp','email','webchat','phone')),
                                          -- the channel of the last inbound message: replies go there
  sms_provider      TEXT,                 -- 'twilio' or 'infobip': where SMS replies go
  locale            TEXT NOT NULL DEFAULT 'es',
  state             TEXT NOT NULL DEFAULT 'bot' CHECK (state IN ('bot','agent','closed')),
  assigned_agent_id INTEGER REFERENCES agents(id),
  order_id          INTEGER REFERENCES orders(id),    -- the order being talked about
  verified_order_id INTEGER REFERENCES orders(id),    -- full details may be shown for this order
  handover_at       INTEGER,              -- when the bot handed over to a person (NULL: never)
  handover_reason   TEXT,                 -- talk_to_human, low_confidence, problem, agent
  subject           TEXT,                 -- e-mail threads: the last subject
  last_inbound_at   INTEGER,
  last_message_at   INTEGER NOT NULL,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL
);
INSERT INTO conversations VALUES(1,1,1,'+34612345678','javier@example.es','phone',NULL,'es','bot',NULL,1,NULL,NULL,NULL,NULL,1796640879,1796640879,1796640879,1796640879);
CREATE TABLE messages (
  id               INTEGER PRIMARY KEY,
  merchant_id      INTEGER NOT NULL REFERENCES merchants(id),
  conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
  direction        TEXT NOT NULL CHECK (direction IN ('in','out','note')),
  channel          TEXT NOT NULL CHECK (channel IN ('sms','whatsapp','email','webchat','phone','console')),
  author           TEXT NOT NULL CHECK (author IN ('customer','bot','agent','system')),
  agent_id         INTEGER REFERENCES agents(id),
  body             TEXT NOT NULL,         -- plain text as received (never HTML)
  truncated        INTEGER NOT NULL DEFAULT 0,  -- 1: cut to the size limit (the rest was dropped)
  intent           TEXT,                  -- the bot's reading of an inbound message
  confidence       REAL,
  entities         TEXT,                  -- JSON object
  incident_id      INTEGER REFERENCES incidents(id),
  provider_msg_id  TEXT,                  -- inbound: MessageSid, wamid, Message-ID (de-duplication)
  -- outgoing delivery (direction = 'out' on a real channel; NULL otherwise)
  state            TEXT CHECK (state IN ('queued','sending','sent','delivered','failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER,
  lease_until      INTEGER NOT NULL DEFAULT 0,
  provider_id      TEXT,                  -- outbound: the provider's id, for receipts
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  sent_at          INTEGER
, lease_owner TEXT);
INSERT INTO messages VALUES(1,1,1,'out','sms','system',NULL,'Hemos recibido tu aviso sobre el pedido OLD-1 (retraso en la entrega). Tu referencia es INC-000001 y te responderemos en menos de 48 horas.',0,NULL,NULL,NULL,1,NULL,'queued',0,1796640879,0,NULL,NULL,1796640879,NULL,NULL);
INSERT INTO messages VALUES(2,1,1,'in','phone','customer',NULL,'Llamó preguntando por el pedido',0,'missing_item',0.40093845129013061523,'{}',NULL,NULL,NULL,0,NULL,0,NULL,NULL,1796640879,NULL,NULL);
CREATE TABLE incident_log (
  id           INTEGER PRIMARY KEY,
  incident_id  INTEGER NOT NULL REFERENCES incidents(id),
  kind         TEXT NOT NULL CHECK (kind IN ('created','state','assigned','note','resolution','reply')),
  actor        TEXT NOT NULL,           -- 'agent:<email>', 'api', 'bot', 'policy', 'customer'
  from_state   TEXT,
  to_state     TEXT,
  body         TEXT,
  created_at   INTEGER NOT NULL
);
INSERT INTO incident_log VALUES(1,1,'created','api',NULL,'open',NULL,1796640879);
INSERT INTO incident_log VALUES(2,1,'reply','api',NULL,NULL,'Hemos recibido tu aviso sobre el pedido OLD-1 (retraso en la entrega). Tu referencia es INC-000001 y te responderemos en menos de 48 horas.',1796640879);
CREATE TABLE support_settings (
  merchant_id  INTEGER PRIMARY KEY REFERENCES merchants(id),
  config       TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);
INSERT INTO support_settings VALUES(1,'{"sla_hours":{"lost":12},"retention_days":730}',1796640879);
CREATE INDEX customers_by_email ON customers(merchant_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_by_phone ON customers(merchant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX shipments_by_order ON shipments(order_id);
CREATE UNIQUE INDEX inbound_applied_once ON inbound(merchant_id, source, dedup_key)
  WHERE result = 'applied' AND dedup_key IS NOT NULL;
CREATE INDEX inbound_by_merchant ON inbound(merchant_id, id);
CREATE INDEX inbound_payload_age ON inbound(received_at) WHERE payload IS NOT NULL;
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state IN ('queued','sending');
CREATE INDEX outbox_by_order ON outbox(order_id);
CREATE INDEX outbox_by_customer ON outbox(customer_id, created_at);
CREATE INDEX outbox_by_provider ON outbox(provider_id) WHERE provider_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_by_unsub ON outbox(unsub_token) WHERE unsub_token IS NOT NULL;
CREATE INDEX notify_attempts_by_outbox ON notify_attempts(outbox_id);
CREATE INDEX promise_history_by_shipment ON promise_history(shipment_id, id);
CREATE INDEX shipment_delays_by_merchant ON shipment_delays(merchant_id, detected_at);
CREATE INDEX incidents_by_merchant ON incidents(merchant_id, state, id);
CREATE INDEX incidents_by_order ON incidents(order_id);
CREATE INDEX coupons_by_order ON coupons(order_id);
CREATE INDEX agents_by_merchant ON agents(merchant_id);
CREATE INDEX agent_sessions_by_agent ON agent_sessions(agent_id);
CREATE INDEX conversations_by_merchant ON conversations(merchant_id, state, last_message_at);
CREATE INDEX conversations_by_customer ON conversations(customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX conversations_by_phone ON conversations(merchant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX conversations_by_email ON conversations(merchant_id, email) WHERE email IS NOT NULL;
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_due ON messages(next_attempt_at) WHERE state IN ('queued','sending');
CREATE INDEX messages_by_created ON messages(merchant_id, created_at);
CREATE UNIQUE INDEX messages_inbound_once ON messages(merchant_id, channel, provider_msg_id)
  WHERE provider_msg_id IS NOT NULL AND direction = 'in';
CREATE INDEX messages_by_provider ON messages(provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX incidents_by_conversation ON incidents(conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX incidents_by_agent ON incidents(assigned_agent_id, state) WHERE assigned_agent_id IS NOT NULL;
CREATE INDEX incident_log_by_incident ON incident_log(incident_id, id);
CREATE UNIQUE INDEX incidents_policy_once ON incidents(shipment_id, policy)
  WHERE policy IS NOT NULL AND shipment_id IS NOT NULL;
CREATE INDEX incidents_by_sla ON incidents(merchant_id, sla_due_at)
  WHERE state NOT IN ('resolved','closed');
COMMIT;
