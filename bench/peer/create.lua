-- wrk script: POST a new item to sixstep's API, staff (offline intake) or resident
-- (mini-program report). Env: SIXSTEP_TOKENS (file, one bearer token a line: each
-- request takes the next, so no resident goes over the per-person report limit),
-- SIXSTEP_PATH (/api/v1/staff/items or /api/v1/items), SIXSTEP_KIND (staff|resident).
-- done() prints one line "WRKJSON {...}", as the peer's create_ticket.lua does.
local tokens = {}
for line in io.lines(os.getenv("SIXSTEP_TOKENS")) do table.insert(tokens, line) end
local path = os.getenv("SIXSTEP_PATH")
local kind = os.getenv("SIXSTEP_KIND") or "staff"
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

init = function(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  counter = counter + 1
  local token = tokens[((counter * 7 + (tid or 0) * 104729) % #tokens) + 1]
  local body
  if kind == "staff" then
    body = string.format('{"channel": "phone", "content": "市民来电：幸福小区%d号楼门口路灯坏了，晚上很黑（%d-%d）", ' ..
      '"community": "全椒路社区", "reporter_name": "张先生"}', counter % 40 + 1, tid or 0, counter)
  else
    body = string.format('{"content": "幸福小区%d号楼门口路灯坏了，晚上很黑（%d-%d）", "community": "全椒路社区"}',
      counter % 40 + 1, tid or 0, counter)
  end
  return wrk.format(nil, path, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
