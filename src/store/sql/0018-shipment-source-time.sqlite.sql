-- 0018-shipment-source-time: the shop's own time of the last state of a shipment it applied
-- (Shopify: the fulfillment's updated_at; 0 when unknown). Shops deliver webhooks out of order:
-- an older fulfillments/create that arrives after a newer re-track (the fulfillment now names
-- another tracking number) must not bring the old number back nor cancel the new one.
ALTER TABLE shipments ADD COLUMN source_updated_at INTEGER NOT NULL DEFAULT 0;
