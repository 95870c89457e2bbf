-- wrk script for bench/validate.sh: POSTs one AdmissionReview body again and again on each keep-alive
-- connection and counts every answer that is not HTTP 200 as a failure.
--   WRK_BODY=bench/reviews/gateway-2-servers.json wrk -t1 -c16 -d20s --latency -s bench/validate.lua URL
-- The verdict itself ("allowed": true) is checked once per endpoint with curl before the run: reading
-- every body here would make wrk, which shares the 2 cores with the server, cost more per request.
--
-- done() prints one line the script parses (latencies in µs, duration in µs):
--   WRK_RESULT requests duration_us p50 p75 p90 p99 max mean failures non200 socket_errors timeouts

local path = os.getenv("WRK_BODY")
if path == nil or path == "" then
   error("set WRK_BODY to the review file to POST")
end
local f = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non200 = 0
   first = ""
end

function response(status, headers, body)
   if status ~= 200 then
      non200 = non200 + 1
      if first == "" then
         first = "HTTP " .. status .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local non200, first = 0, ""
   for _, t in ipairs(threads) do
      non200 = non200 + t:get("non200")
      if first == "" then first = t:get("first") end
   end
   local e = summary.errors
   local socket = e.connect + e.read + e.write
   if first ~= "" then
      io.write("WRK_FIRST_FAILURE ", first, "\n")
   end
   io.write(string.format("WRK_RESULT %d %d %d %d %d %d %d %.1f %d %d %d %d\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean, non200 + socket + e.timeout, non200, socket, e.timeout))
end
