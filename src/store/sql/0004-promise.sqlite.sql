-- 0004-promise: delivery promises (docs/promise.md, "Service").
-- Days (earliest/likely/latest) are civil day numbers (days since 1970-01-01) in the merchant's
-- local calendar (merchants.timezone); the API shows them as YYYY-MM-DD.

-- Per-merchant settings of the promise engine. A merchant without a row uses the defaults.
CREATE TABLE promise_settings (
  merchant_id     INTEGER PRIMARY KEY REFERENCES merchants(id),
  confidence      REAL NOT NULL DEFAULT 0.90,  -- target probability of delivery by `latest`
  country         TEXT,                        -- holidays; NULL = the order's destination country
  cutoff          TEXT,                        -- dispatch cut-off "HH:MM" local; NULL = none
  holidays_add    TEXT NOT NULL DEFAULT '[]',  -- JSON array of "YYYY-MM-DD" closed days
  holidays_remove TEXT NOT NULL DEFAULT '[]',  -- JSON array of "YYYY-MM-DD" open days
  updated_at      INTEGER NOT NULL
);

-- The merchant's trained model (app/promise_io.h JSON). VERSION grows on every retrain so a
-- server's cache knows to reload.
CREATE TABLE promise_models (
  merchant_id INTEGER PRIMARY KEY REFERENCES merchants(id),
  version     INTEGER NOT NULL,
  model       TEXT NOT NULL,
  n_learned   INTEGER NOT NULL,
  source      TEXT NOT NULL,                   -- "history:FILE" or "store"
  trained_at  INTEGER NOT NULL
);

-- The current promise of a shipment. TOLD_* is the window the customer was told (set when the
-- first promise is made; the notification sender moves it when it communicates a new one).
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

-- Every change of a shipment's window, with why.
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
CREATE INDEX promise_history_by_shipment ON promise_history(shipment_id, id);

-- Delays found by core/delay.h, for notifications and analytics. One row per (shipment, cause,
-- window_key): window_key is the promised day breached (promise_breached), the new latest day
-- (promise_slipped), the last scan time (stalled) or the status time (exception), so detecting
-- the same delay again changes nothing.
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
CREATE INDEX shipment_delays_by_merchant ON shipment_delays(merchant_id, detected_at);
