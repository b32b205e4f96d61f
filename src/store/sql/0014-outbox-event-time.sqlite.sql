-- 0014-outbox-event-time: when what a notification is about happened (the carrier event of a
-- status trigger, the detection of a delay, the placing of the order), as the planner saw it.
-- The merchant webhook's data.occurred_at is this time, not the shipment's status time when the
-- row happens to be sent (a "shipped" webhook sent after the parcel went out for delivery said
-- the out-for-delivery time), and the dispatcher measures staleness from it. NULL on rows
-- planned before this migration (the shipment's status time is used for them, as before).
ALTER TABLE outbox ADD COLUMN event_at INTEGER;
