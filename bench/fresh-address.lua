-- wrk: every request from a different client address, as a shared link is read by many
-- people. The service trusts X-Forwarded-For from 127.0.0.1 (UNDERSIGNED_TRUSTED_PROXIES).
local counter = 0
request = function()
  counter = counter + 1
  local n = counter
  local address = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  wrk.headers["X-Forwarded-For"] = address
  return wrk.format(nil)
end
