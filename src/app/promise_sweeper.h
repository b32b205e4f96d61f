/* promise_sweeper.h — the periodic delay sweep of `rastro serve` and `rastro worker`: a thread
 * that every INTERVAL seconds runs rs_app_promise_sweep_chunk over all open shipments through the
 * group-commit writer (chunks of 200, so requests keep flowing between them), then the
 * merchants' incident policies (app/incident.h rs_incident_policy_sweep) in one job, and the
 * SLA alerts of incidents that just passed their SLA (rs_incident_sla_sweep) in another. The
 * same thread runs the retention sweep (app/privacy.h) and the promise models' online learning
 * (app/promise_service.h rs_promise_learn_online) when it starts and then hourly. */
#ifndef RS_APP_PROMISE_SWEEPER_H
#define RS_APP_PROMISE_SWEEPER_H

#include "app/writer.h"
#include "core/err.h"

struct rs_promise_sweeper;

enum rs_err rs_promise_sweeper_start(struct rs_writer *w, int interval_s,
                                     struct rs_promise_sweeper **out) RS_MUST_CHECK;
/* Stops the thread (waits for a running chunk). NULL is a no-op. */
void rs_promise_sweeper_stop(struct rs_promise_sweeper *sw);

#endif
