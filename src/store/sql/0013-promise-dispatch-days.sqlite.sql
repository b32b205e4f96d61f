-- 0013-promise-dispatch-days: the merchant's working weekdays (docs/promise.md, "API for
-- settings"): the days it hands parcels to the carrier, in which handling is counted and from
-- which an order counts after the cut-off. A bit mask, bit w set = ISO weekday w (1 = Monday …
-- 7 = Sunday) is a dispatch day; 62 = Monday to Friday, what every merchant had before.
ALTER TABLE promise_settings ADD COLUMN dispatch_days INTEGER NOT NULL DEFAULT 62;
