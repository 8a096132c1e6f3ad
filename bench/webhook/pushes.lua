-- wrk script: replay pre-signed pushes from PUSHES_FILE (one "path<TAB>body" per line).
-- Each thread takes every Nth line; replies' item numbers are written to NUMBERS_FILE.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("PUSHES_FILE")
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  lines = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id - 1 then
      local tab = line:find("\t", 1, true)
      table.insert(lines, {line:sub(1, tab - 1), line:sub(tab + 1)})
    end
    i = i + 1
  end
  nxt = 1
  wrapped = 0
  numbers = {}
  statuses = {}
  headers = {["Content-Type"] = "text/xml"}
end

function request()
  local entry = lines[nxt]
  nxt = nxt + 1
  if nxt > #lines then nxt = 1; wrapped = wrapped + 1 end
  return wrk.format("POST", entry[1], headers, entry[2])
end

function response(status, hdrs, body)
  statuses[status] = (statuses[status] or 0) + 1
  local number = body:match("(%d%d%d%d%d%d%d%d%-%d%d%d%d+)")
  if number then numbers[number] = true end
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("NUMBERS_FILE"), "w")
  for _, thread in ipairs(threads) do
    local seen = thread:get("numbers")
    for number, _ in pairs(seen) do out:write(number, "\n") end
    local st = thread:get("statuses")
    for code, count in pairs(st) do io.write(string.format("STATUS %d %d\n", code, count)) end
    io.write(string.format("WRAPPED %d\n", thread:get("wrapped")))
  end
  out:close()
  io.write(string.format("P50_US %d\nP99_US %d\nMAX_US %d\n", latency:percentile(50), latency:percentile(99), latency.max))
  io.write(string.format("REQUESTS %d\nDURATION_US %d\nERRORS %d\n", summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
