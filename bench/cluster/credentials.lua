-- wrk script of bench/cluster.sh: GET <path> with one seeded credential per request, chosen from the token file
-- (bench/cluster/seed.py: "<token> <app id>" for a session, "<token> -" for a machine token; line number = rank):
--   zipf <s> [<n>]   rank k of all lines with probability proportional to k^-s; with n, folded onto the first n
--                    lines (line (k - 1) % n + 1): the same draw, so the same Lua work, as without n (over a
--                    million lines the draw's binary search and the token table's memory cost wrk a tenth more per
--                    request than over 10,000, and wrk shares the cores with the servers it measures)
--   uniform [<n>]    any of the first n lines alike
--   sequential [<n>] the first n lines in turn, each thread from its own offset (to warm caches)
-- and a count of the answers by status class, printed by done().
-- Arguments (after --): [anonymous] <token file> <path> zipf|uniform [s] [n]
--   anonymous        the same requests, with the credential in headers nothing reads (X-Bench-Credential,
--                    X-Bench-App): the floor the credential runs are compared with, at the same cost to wrk, whose
--                    Lua work per request takes a share of the cores the servers run on
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  local shift = 0
  credential_header, app_header = "Authorization", "X-App-Id"
  if args[1] == "anonymous" then
    credential_header, app_header, shift = "X-Bench-Credential", "X-Bench-App", 1
  end
  local file, mode = args[1 + shift], args[3 + shift]
  path = args[2 + shift]
  local s, limit
  if mode == "zipf" then s, fold = tonumber(args[4 + shift]), tonumber(args[5 + shift]) else limit = tonumber(args[4 + shift]) end
  sequential = mode == "sequential"
  tokens, apps = {}, {}
  for line in io.lines(file) do
    local token, app = line:match("^(%S+) (%S+)$")
    tokens[#tokens + 1] = token
    apps[#apps + 1] = app ~= "-" and app or false
    if limit and #tokens >= limit then break end
  end
  n = #tokens
  if mode == "zipf" then
    -- Note: the cumulative weights, once per thread; a request then costs one binary search over them.
    cdf = {}
    local sum = 0
    for k = 1, n do sum = sum + k ^ -s; cdf[k] = sum end
    for k = 1, n do cdf[k] = cdf[k] / sum end
  end
  math.randomseed(os.time() * 1000 + id)
  -- Note: the connections of one thread share its Lua state, so one cursor per thread walks the lines, from a
  -- random start (a thread does not know how many others there are).
  cursor = math.random(n) - 1
  ok, unauthorized, throttled, server_errors, other = 0, 0, 0, 0, 0
end

local function pick()
  if sequential then cursor = cursor % n + 1; return cursor end
  local u = math.random()
  if not cdf then return math.floor(u * n) + 1 end
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  if fold then return (lo - 1) % fold + 1 end
  return lo
end

function request()
  local k = pick()
  local headers = { [credential_header] = "Bearer " .. tokens[k] }
  if apps[k] then headers[app_header] = apps[k] end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status == 401 then unauthorized = unauthorized + 1
  elseif status == 429 then throttled = throttled + 1
  elseif status >= 500 then server_errors = server_errors + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local t = { 0, 0, 0, 0, 0 }
  for _, thread in ipairs(threads) do
    t[1] = t[1] + thread:get("ok")
    t[2] = t[2] + thread:get("unauthorized")
    t[3] = t[3] + thread:get("throttled")
    t[4] = t[4] + thread:get("server_errors")
    t[5] = t[5] + thread:get("other")
  end
  io.write(string.format("Statuses: 2xx %d, 401 %d, 429 %d, 5xx %d, other %d\n", t[1], t[2], t[3], t[4], t[5]))
end
