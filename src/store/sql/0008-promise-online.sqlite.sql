-- 0008-promise-online: the promise engine keeps learning from the merchant's own deliveries
-- (app/promise_service.h rs_promise_learn_online). PROMISE_LEARNT marks a delivered shipment
-- that is already in the merchant's model (learnt online, or by the last
-- `rastro promise train --from-store`); the partial index finds the ones still to learn.
ALTER TABLE shipments ADD COLUMN promise_learnt INTEGER NOT NULL DEFAULT 0;
CREATE INDEX shipments_to_learn ON shipments(merchant_id, delivered_at)
  WHERE delivered_at > 0 AND promise_learnt = 0;
-- deliveries a model trained from the store already holds are not learnt twice
UPDATE shipments SET promise_learnt = 1
  WHERE delivered_at > 0 AND merchant_id IN (SELECT merchant_id FROM promise_models WHERE source = 'store');
