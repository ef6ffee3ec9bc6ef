-- Shared fragment: the per-message guard, for sources without ordered offsets (Pub/Sub).
-- Idempotence per message: the customer's marker set (a sorted set in the customer's hash slot) holds
-- the id of every message applied, scored by its publish time in microseconds. A message already in
-- the set was applied before (a redelivery, or a replay after a seek) and is skipped. Markers older
-- than the horizon are trimmed (cdp_marker_trim, once per call), so the set stays bounded; the horizon
-- must reach back as far as a redelivery can (the subscription's message retention).
-- marker = stream/message id, micros = publish time in microseconds (decimal)
-- On a new message: records it and returns true (the caller bumps the version, as for the watermark guard).
local function cdp_marker_trim(markers, horizon)
  redis.call('ZREMRANGEBYSCORE', markers, '-inf', '(' .. horizon)
end

local function cdp_marker_guard(markers, marker, micros)
  if redis.call('ZSCORE', markers, marker) then
    return false
  end
  redis.call('ZADD', markers, micros, marker)
  return true
end
