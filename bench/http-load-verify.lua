-- wrk script of bench/http-load-verify.sh: POST /v1/introspect of one API key (with its app id), authenticated by a
-- machine token with latchkey:introspect, and a count of the answers that were not {"active":true,...}.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- Arguments (after --): <introspecting machine token> <api key> <app id>
function init(args)
  local body = "token=" .. args[2] .. "&app_id=" .. args[3] .. "&token_type_hint=access_token"
  req = wrk.format("POST", "/v1/introspect", {
    ["Authorization"] = "Bearer " .. args[1],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
  inactive = 0
end

function request()
  return req
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"active":true', 1, true) then
    inactive = inactive + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("inactive")
  end
  io.write(string.format("not active: %d\n", total))
end
