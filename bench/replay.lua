-- wrk script: replay a file of pre-generated requests, each sent once.
--
--   wrk -t2 -c32 -d10s -s bench/replay.lua http://127.0.0.1:PORT -- FILE THREADS [EXPECT]
--
-- FILE holds one request a line: METHOD <TAB> PATH <TAB> HEADERS <TAB> BODY, where HEADERS is
-- "Name: value" pairs joined by "|" (or empty) and BODY has no tab or newline. Thread k of THREADS
-- takes lines k, k+THREADS, k+2*THREADS, ... so no two threads send the same request (every push
-- carries its own nonce and MsgId). A thread that runs out of requests stops and says so.
-- EXPECT (optional) is a substring every good response body contains; others count as "unexpected".
-- done() prints one line "WRKRESULT {json}" with the figures bench/harness.py reads.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local function split(line)
  local fields = {}
  local start = 1
  while true do
    local i = string.find(line, "\t", start, true)
    if not i then
      table.insert(fields, string.sub(line, start))
      return fields
    end
    table.insert(fields, string.sub(line, start, i - 1))
    start = i + 1
  end
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  expect = args[3]
  queue = {}
  local index = 0
  for line in io.lines(path) do
    if index % nthreads == id then
      local f = split(line)
      local headers = {}
      if f[3] ~= "" then
        for pair in string.gmatch(f[3], "[^|]+") do
          local name, value = string.match(pair, "^([^:]+):%s*(.*)$")
          headers[name] = value
        end
      end
      local body = f[4]
      if body == "" then body = nil end
      table.insert(queue, wrk.format(f[1], f[2], headers, body))
    end
    index = index + 1
  end
  sent = 0
  exhausted = 0
  statuses = {}
  unexpected = 0
  sample = ""
end

function request()
  sent = sent + 1
  if sent > #queue then
    exhausted = 1
    wrk.thread:stop()
    sent = #queue
  end
  return queue[sent]
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if expect and expect ~= "" and body and not string.find(body, expect, 1, true) then
    unexpected = unexpected + 1
    if sample == "" then sample = string.sub(body, 1, 300) end
  end
end

local function quote(s)
  -- JSON string: control characters, quotes and backslashes as \u escapes; UTF-8 passes through.
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local merged, exhausted_threads, unexpected_total, sample_body = {}, 0, 0, ""
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses")
    for k, v in pairs(st) do merged[k] = (merged[k] or 0) + v end
    exhausted_threads = exhausted_threads + thread:get("exhausted")
    unexpected_total = unexpected_total + thread:get("unexpected")
    if sample_body == "" then sample_body = thread:get("sample") end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s": %d', k, v)) end
  io.write(string.format(
    'WRKRESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, "status_errors": %d, ' ..
    '"statuses": {%s}, "exhausted_threads": %d, "unexpected": %d, "unexpected_sample": %s}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    summary.errors.status, table.concat(parts, ", "), exhausted_threads, unexpected_total, quote(sample_body)))
end
