-- 0009-promise-overdue: a broken promise moves the calibration as soon as it is broken, not
-- when the late parcel is finally delivered (app/promise_service.h rs_promise_learn_online).
-- PROMISE_REPORTED holds the calibration terms (1 = the promise at placement, 2 = the one at
-- hand-over) already reported late for a shipment still on its way, so that its delivery does
-- not count them again. A retrain resets it (the new model has not seen those reports).
ALTER TABLE shipments ADD COLUMN promise_reported INTEGER NOT NULL DEFAULT 0;
-- the shipments that may still break a promise: not delivered, some term not reported yet
CREATE INDEX shipments_to_report ON shipments(merchant_id, id)
  WHERE delivered_at = 0 AND promise_reported <> 3;
