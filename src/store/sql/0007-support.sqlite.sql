-- 0007-support: talking with customers. One conversation per customer and merchant (matched by
-- phone or e-mail; a sender we do not know gets a conversation without a customer and sees no
-- order data), the messages in it from every channel (customer, bot, agent, internal notes),
-- outgoing replies queued on the message row itself and sent by the dispatcher on the channel
-- the customer wrote from, agents and their console sessions, what incidents gained (assignment,
-- conversation, resolution by whom and when, a log of every change), coupons issued by agents,
-- and the merchant's support settings (SLA per incident type, policies, canned replies,
-- transcript retention). Also the customer's own time zone (quiet hours). Times are epoch seconds.

ALTER TABLE customers ADD COLUMN timezone TEXT;   -- IANA zone; NULL = the merchant's

-- Per-agent accounts. Login is by e-mail, unique across merchants.
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
CREATE INDEX agents_by_merchant ON agents(merchant_id);
-- Console sessions: the cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE agent_sessions (
  token_hash   BLOB PRIMARY KEY,
  agent_id     INTEGER NOT NULL REFERENCES agents(id),
  csrf_token   TEXT NOT NULL,                   -- random, sent back in every form
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
);
CREATE INDEX agent_sessions_by_agent ON agent_sessions(agent_id);

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
CREATE INDEX conversations_by_merchant ON conversations(merchant_id, state, last_message_at);
CREATE INDEX conversations_by_customer ON conversations(customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX conversations_by_phone ON conversations(merchant_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX conversations_by_email ON conversations(merchant_id, email) WHERE email IS NOT NULL;

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
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_due ON messages(next_attempt_at) WHERE state IN ('queued','sending');
CREATE INDEX messages_by_created ON messages(merchant_id, created_at);
CREATE UNIQUE INDEX messages_inbound_once ON messages(merchant_id, channel, provider_msg_id)
  WHERE provider_msg_id IS NOT NULL AND direction = 'in';
CREATE INDEX messages_by_provider ON messages(provider_id) WHERE provider_id IS NOT NULL;

-- What incidents gained.
ALTER TABLE incidents ADD COLUMN conversation_id INTEGER REFERENCES conversations(id);
ALTER TABLE incidents ADD COLUMN customer_id INTEGER REFERENCES customers(id);
ALTER TABLE incidents ADD COLUMN assigned_agent_id INTEGER REFERENCES agents(id);
ALTER TABLE incidents ADD COLUMN resolved_by TEXT;      -- 'agent:<email>', 'api', 'policy'
ALTER TABLE incidents ADD COLUMN resolved_at INTEGER;
ALTER TABLE incidents ADD COLUMN coupon_id INTEGER REFERENCES coupons(id);
ALTER TABLE incidents ADD COLUMN policy TEXT;           -- the policy that opened it, if any
ALTER TABLE incidents ADD COLUMN offer TEXT;            -- what the policy offers: "reship,refund"
CREATE INDEX incidents_by_conversation ON incidents(conversation_id) WHERE conversation_id IS NOT NULL;
CREATE INDEX incidents_by_agent ON incidents(assigned_agent_id, state) WHERE assigned_agent_id IS NOT NULL;
-- Every change of an incident: created, state, assigned, note (internal), resolution, reply.
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
CREATE INDEX incident_log_by_incident ON incident_log(incident_id, id);

-- Coupons an agent (or a policy) issues, not only late-delivery compensation.
ALTER TABLE coupons ADD COLUMN issued_by TEXT;         -- 'policy', 'agent:<email>', 'api'
ALTER TABLE coupons ADD COLUMN incident_id INTEGER REFERENCES incidents(id);

-- The merchant's support settings (JSON validated by the app before it is saved):
-- {"sla_hours":{"lost":48,…}, "policies":[…], "canned_replies":[…], "retention_days":365,
--  "bot":{"enabled":true,"handover_below":0.5,"rules":"<TSV>"}}
CREATE TABLE support_settings (
  merchant_id  INTEGER PRIMARY KEY REFERENCES merchants(id),
  config       TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- privacy (store_privacy.h): when a customer's personal data was erased (`rastro customer
-- erase`); the row stays, anonymised, so orders keep counting in analytics.
ALTER TABLE customers ADD COLUMN erased_at INTEGER;

-- conv (replies out): the dispatcher that holds a queued reply's lease, so only it records the
-- outcome (a reply whose lease ran out and was retaken is not overwritten by the first holder).
ALTER TABLE messages ADD COLUMN lease_owner TEXT;

-- Incidents workflow (branch incidents): the shipment a policy opened an incident for, so that a
-- policy opens at most one incident per shipment (the unique index makes a second sweep
-- harmless), and the breaching-SLA queue.
ALTER TABLE incidents ADD COLUMN shipment_id INTEGER REFERENCES shipments(id);
CREATE UNIQUE INDEX incidents_policy_once ON incidents(shipment_id, policy)
  WHERE policy IS NOT NULL AND shipment_id IS NOT NULL;
CREATE INDEX incidents_by_sla ON incidents(merchant_id, sla_due_at)
  WHERE state NOT IN ('resolved','closed');
