-- wrk reporting for `make bench`: one JSON line on stdout (latencies in microseconds).
-- Optional BENCH_HEADERS: extra request headers, "Name: value" separated by "\n".
local extra = os.getenv("BENCH_HEADERS")
if extra then
  for line in string.gmatch(extra, "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
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
