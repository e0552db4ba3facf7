-- wrk script of bench/login-one-account.sh: every request is a correct login to the same account, and the answers are
-- counted by status. latchkey: POST /v1/login from a new app id each time (each creates a session, as a person's
-- devices would); identity: ASP.NET Core Identity's POST /login (MapIdentityApi, bearer token).
-- Arguments (after --): latchkey|identity <login> <password>
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  kind, login, password = args[1], args[2], args[3]
  sent, created, throttled, other, codes = 0, 0, 0, 0, ""
end

function request()
  sent = sent + 1
  if kind == "identity" then
    return wrk.format("POST", "/login", { ["Content-Type"] = "application/json" },
      string.format('{"email":"%s","password":"%s"}', login, password))
  end
  return wrk.format("POST", "/v1/login", { ["Content-Type"] = "application/json" },
    string.format('{"login":"%s","password":"%s","appId":"one-account-%d-%d","appName":"wrk"}', login, password, tid, sent))
end

function response(status, headers, body)
  if status == 200 or status == 201 then created = created + 1
  elseif status == 429 then throttled = throttled + 1
  else
    other = other + 1
    if not string.find(codes, tostring(status), 1, true) then codes = codes .. " " .. status end
  end
end

function done(summary, latency, requests)
  local c, t, o, codes = 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    t = t + thread:get("throttled")
    o = o + thread:get("other")
    codes = codes .. thread:get("codes")
  end
  io.write(string.format("Logins: succeeded %d, 429 %d, other %d%s\n", c, t, o, o > 0 and " (statuses" .. codes .. ")" or ""))
end
