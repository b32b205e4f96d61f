-- 0020-shipment-carrier-eta: the carrier's own estimate of the delivery day, as an aggregator
-- (EasyPost est_delivery_date, Shippo eta, AfterShip aftership_estimated_delivery_date, 17TRACK
-- time_metrics.estimated_delivery_date) or the merchant (POST /v1/shipments "carrier_estimate")
-- tells it: its first and last day ('YYYY-MM-DD', the carrier's calendar), and the source's time
-- of that estimate (epoch seconds), so an older update delivered late does not undo a newer one.
-- The promise never says earlier than the carrier while the parcel travels.
ALTER TABLE shipments ADD COLUMN carrier_eta_from TEXT;
ALTER TABLE shipments ADD COLUMN carrier_eta_to TEXT;
ALTER TABLE shipments ADD COLUMN carrier_eta_at INTEGER;
