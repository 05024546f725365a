-- wrk script for bench/run.py: one connection per wrk thread (run with -t N -c N).
--
-- GET mode (no script argument): plain GETs to the URL; a response counts as good when its
-- status is 200.
--
-- POST mode (script argument: a flow file written by run.py): thread i takes line i of the
-- file, which holds a browser's session (Cookie header) and the requests of one submission:
--   <path> TAB <cookie> { TAB <expected status> TAB <marker> TAB <urlencoded body> }...
-- The thread sends the requests in order, again and again. A response is good when it has the
-- expected status and, if a marker is given, the body contains it; a submission is counted
-- when the last request of the flow is good. Anything else starts the flow over. Like a
-- browser, the thread keeps the cookies responses set (a survey makes its session when the
-- first page is sent, not when it is shown) and sends them with the following requests.
--
-- done() prints one line starting with "BENCH " that run.py parses.

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

good, bad, submitted = 0, 0, 0
local steps = nil
local stage = 1
local path = nil
local jar = {} -- cookie name -> value
local order = {} -- cookie names in the order first seen
local cookie = ""

local function split(line)
   local fields = {}
   for field in string.gmatch(line .. "\t", "([^\t]*)\t") do
      table.insert(fields, field)
   end
   return fields
end

local function cookie_header()
   local pairs_ = {}
   for _, name in ipairs(order) do
      table.insert(pairs_, name .. "=" .. jar[name])
   end
   return table.concat(pairs_, "; ")
end

local function keep(name, value)
   if jar[name] == nil then
      table.insert(order, name)
   end
   jar[name] = value
end

function init(args)
   local file = args[1]
   if file == nil then
      return
   end
   local n = 0
   for line in io.lines(file) do
      n = n + 1
      if n == id then
         local f = split(line)
         path = f[1]
         for name, value in string.gmatch(f[2], "([^=; ]+)=([^;]*)") do
            keep(name, value)
         end
         cookie = cookie_header()
         steps = {}
         for i = 3, #f, 3 do
            table.insert(steps, { status = tonumber(f[i]), marker = f[i + 1], body = f[i + 2] })
         end
      end
   end
   if steps == nil then
      error("no flow for thread " .. tostring(id) .. " in " .. file)
   end
end

function request()
   if steps == nil then
      return wrk.format()
   end
   local headers = {
      ["Cookie"] = cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }
   return wrk.format("POST", path, headers, steps[stage].body)
end

function response(status, headers, body)
   if steps == nil then
      if status == 200 then
         good = good + 1
      else
         bad = bad + 1
      end
      return
   end
   -- wrk passes one value per header name: the last Set-Cookie (a survey's POST sets at
   -- most one new cookie, the session's, the others having come with the page).
   local set = headers["Set-Cookie"]
   if set ~= nil then
      local name, value = string.match(set, "^%s*([^=; ]+)=([^;]*)")
      if name ~= nil then
         keep(name, value)
         cookie = cookie_header()
      end
   end
   local step = steps[stage]
   if status == step.status and (step.marker == "" or string.find(body or "", step.marker, 1, true)) then
      good = good + 1
      if stage == #steps then
         submitted = submitted + 1
         stage = 1
      else
         stage = stage + 1
      end
   else
      bad = bad + 1
      stage = 1
   end
end

function done(summary, latency, requests)
   local g, b, s = 0, 0, 0
   for _, t in ipairs(threads) do
      g = g + t:get("good")
      b = b + t:get("bad")
      s = s + t:get("submitted")
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d good=%d bad=%d submitted=%d "
         .. "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f "
         .. "connect_errors=%d read_errors=%d write_errors=%d status_errors=%d timeouts=%d\n",
      summary.requests, summary.duration, g, b, s,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.max, latency.mean,
      e.connect, e.read, e.write, e.status, e.timeout))
end
