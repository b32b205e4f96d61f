-- events.lua — wrk script for bench/ingest.sh: POST /v1/events with events that are all new.
-- env BENCH_KEY (API key), BENCH_SHIPMENTS (shipments BENCH1..N exist), BENCH_BATCH (events
-- per request: 1 sends one object, more sends an array). Each wrk thread owns its own shipments
-- (index = tid + threads*k) and its own clock, so no two requests carry the same event and each
-- shipment's events arrive in time order (no replays of its history). A request counts as good
-- when it answers 201 (single) or 200 with every event accepted (batch).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
  shipments = tonumber(os.getenv("BENCH_SHIPMENTS") or "1000")
  batch = tonumber(os.getenv("BENCH_BATCH") or "1")
  mine = math.floor(shipments / nthreads)    -- shipments of this thread
  wrk.method = "POST"
  wrk.path = "/v1/events"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "")
  good, bad = 0, 0
  want = tonumber(os.getenv("BENCH_WANT") or (batch == 1 and "201" or "200"))
  accepted = '"accepted":' .. batch .. ','
  -- first event time: each run of the same database passes its own BENCH_T0 (epoch s)
  base = tonumber(os.getenv("BENCH_T0") or "1735689600")
end


local function event(n)
  -- n-th event of this thread: shipment cycles over the thread's own, time grows with n
  local ship = tid + nthreads * (n % mine) + 1
  local t = base + n
  return string.format('{"carrier":"correos","tracking_number":"BENCH%d","occurred_at":"%s",' ..
    '"status":"in_transit","message":"Admitido en centro de tratamiento","location":{"city":"Madrid","country":"ES"}}',
    ship, os.date("!%Y-%m-%dT%H:%M:%SZ", t))
end

function request()
  if batch == 1 then
    counter = counter + 1
    return wrk.format(nil, nil, nil, event(counter))
  end
  local parts = {}
  for i = 1, batch do
    counter = counter + 1
    parts[i] = event(counter)
  end
  return wrk.format(nil, nil, nil, "[" .. table.concat(parts, ",") .. "]")
end

function response(status, headers, body)
  if status == want and (batch == 1 or string.find(body, accepted, 1, true)) then
    good = good + 1
  else
    bad = bad + 1
    if bad <= 3 then io.stderr:write("bench: unexpected answer " .. status .. ": " .. string.sub(body or "", 1, 200) .. "\n") end
  end
end

function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good")
    b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%.3f good=%d bad=%d sockerr=%d p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, g, b, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
