-- wrk script of bench/http-load.sh: POST /v1/login for distinct users, round-robin over user0..user<N-1>@bench.invalid,
-- each login from a new app id (so each one creates a session), and a count of the answers by status.
-- Arguments (after --): <users> <password> <wrk threads> <app id prefix>
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  users = tonumber(args[1])
  password = args[2]
  nthreads = tonumber(args[3])
  prefix = args[4]
  sent, created, refused, other, codes = 0, 0, 0, 0, ""
end

function request()
  local user = (sent * nthreads + tid - 1) % users
  sent = sent + 1
  local body = string.format('{"login":"user%d@bench.invalid","password":"%s","appId":"login-%s-%d-%d","appName":"wrk"}',
    user, password, prefix, tid, sent)
  return wrk.format("POST", "/v1/login", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 503 then refused = refused + 1
  else
    other = other + 1
    if not string.find(codes, tostring(status), 1, true) then codes = codes .. " " .. status end
  end
end

function done(summary, latency, requests)
  local c, r, o, codes = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    r = r + thread:get("refused")
    o = o + thread:get("other")
    codes = codes .. thread:get("codes")
  end
  io.write(string.format("Logins created: %d (%.1f/s), refused 503: %d, other: %d%s\n",
    c, c / (summary.duration / 1e6), r, o, o > 0 and " (statuses" .. codes .. ")" or ""))
end
