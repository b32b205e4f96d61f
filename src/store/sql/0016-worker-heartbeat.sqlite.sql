-- 0016-worker-heartbeat: each notification dispatcher (`rastro worker`, or the built-in one of
-- `rastro serve`) records when it last ran its loop, so that /healthz can tell that
-- notifications stopped because no dispatcher runs (a `rastro worker` that died). One row per
-- dispatcher process (host:pid); rows of dead processes stay, only the newest time counts.
CREATE TABLE worker_heartbeats (
    name TEXT PRIMARY KEY,
    last_seen INTEGER NOT NULL
);
