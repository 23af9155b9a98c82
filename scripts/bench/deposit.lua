-- wrk script for `make bench` P1: POST /cpro/factures/v1/soumettre, one new invoice number each.
-- BENCH_BODY: file holding the JSON body with __NUMBER__ in place of the invoice number;
-- BENCH_HEADERS: "Name: value" lines (Authorization, cpro-account); BENCH_PREFIX: number prefix.
local body_file = assert(io.open(os.getenv("BENCH_BODY"), "r"))
local template = body_file:read("*a")
body_file:close()
local prefix = os.getenv("BENCH_PREFIX") or "P1"

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json;charset=utf-8"
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local number = string.format("%s-%d-%07d", prefix, thread_id, counter)
  return wrk.format(nil, nil, nil, (string.gsub(template, "__NUMBER__", number)))
end

-- BENCH_MAX: stop each thread after that many responses (every load loop is bounded in count too).
local max_per_thread = tonumber(os.getenv("BENCH_MAX") or "0")
local responses = 0

function response(status, headers, body)
  responses = responses + 1
  if max_per_thread > 0 and responses >= max_per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "max": %d, "mean": %f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
