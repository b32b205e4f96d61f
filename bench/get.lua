-- get.lua — wrk script for bench/lookup.sh: GET the URL given to wrk, count 200 answers, print
-- one RESULT line (same format as events.lua) for bench/lib.sh to parse.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  good, bad = 0, 0
end

function response(status, headers, body)
  if status == 200 then good = good + 1 else bad = bad + 1 end
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
