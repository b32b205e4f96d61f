-- 0019-event-pickup: where a parcel waits for the customer to collect it, as the carrier's scan
-- or the merchant's feed tells it (POST /v1/events "pickup"): the pickup point's name, its
-- address, and the last day it keeps the parcel ('YYYY-MM-DD', the point's own calendar). The
-- latest event of a shipment that names one is where the parcel is; messages and the tracking
-- page say it instead of "a pickup point".
ALTER TABLE events ADD COLUMN pickup_name TEXT;
ALTER TABLE events ADD COLUMN pickup_address TEXT;
ALTER TABLE events ADD COLUMN pickup_deadline TEXT;
