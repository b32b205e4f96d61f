-- 0015-incident-sla-alert: the team is told once when an incident passes its SLA
-- (docs/incidents.md "SLA alerts"). incidents.sla_alerted_at is when the sweep claimed that
-- alert (an atomic UPDATE … WHERE sla_alerted_at IS NULL, so serve and worker sweeping one
-- database tell it once); a reopened incident's new SLA clears it. outbox.incident_id marks the
-- alert's rows (the merchant webhook incident.sla_breached, the team's e-mail): the dispatcher
-- builds them from the incident, not for the order's customer.
ALTER TABLE incidents ADD COLUMN sla_alerted_at INTEGER;
ALTER TABLE outbox ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
-- Incidents already past their SLA when this runs are not alerted all at once on upgrade: they
-- are already in the "breaching" queue, and a flood of stale alerts would bury the new ones.
UPDATE incidents SET sla_alerted_at = sla_due_at
 WHERE state NOT IN ('resolved','closed') AND sla_due_at < CAST(strftime('%s','now') AS INTEGER);
CREATE INDEX incidents_sla_unalerted ON incidents(sla_due_at)
 WHERE sla_alerted_at IS NULL AND state NOT IN ('resolved','closed');
-- rastro_incidents_sla_breached_total counts these log rows.
CREATE INDEX incident_log_sla_breached ON incident_log(incident_id) WHERE kind = 'state' AND actor = 'system';
