-- 0012-shipment-cancel: a shipment can be cancelled (a shop's fulfillment cancelled or given
-- another tracking number, or DELETE /v1/shipments/{carrier}/{number}). It stays in the
-- merchant's history but no longer counts for the order's status, is not shown to the
-- customer and is not notified about. cancelled_at is 0 for a live shipment.
-- fulfillment_id is the shop's own id of the fulfillment that named the shipment (Shopify), so
-- a fulfillment re-tracked to another number can cancel the number it replaced.
-- orders.source_updated_at is the source's own time of the last order update applied (Shopify's
-- updated_at), so an older update delivered late does not overwrite newer data; 0 when unknown.
ALTER TABLE shipments ADD COLUMN cancelled_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shipments ADD COLUMN fulfillment_id TEXT;
CREATE INDEX shipments_by_fulfillment ON shipments(merchant_id, fulfillment_id) WHERE fulfillment_id IS NOT NULL;
ALTER TABLE orders ADD COLUMN source_updated_at INTEGER NOT NULL DEFAULT 0;
