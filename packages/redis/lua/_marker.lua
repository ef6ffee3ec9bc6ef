-- Shared prelude for sources without ordered offsets (Pub/Sub).
-- Idempotence per message: the customer's marker set (a sorted set in the customer's hash slot) holds
-- the id of every message applied, scored by its publish time in microseconds. A message already in
-- the set was applied before (a redelivery, or a replay after a seek) and is skipped. Markers older
-- than the horizon are trimmed on every call, so the set stays bounded; the horizon must reach back as
-- far as a redelivery can (the subscription's message retention).
-- ARGV[1] = marker (stream/message id), ARGV[2] = publish time in microseconds (decimal),
-- ARGV[3] = version base (decimal), ARGV[4] = trim horizon in microseconds (markers below it go)
-- On a new message: records it and bumps the state version like the watermark guard.
local function cdp_marker_guard(agg, markers)
  redis.call('ZREMRANGEBYSCORE', markers, '-inf', '(' .. ARGV[4])
  if redis.call('ZSCORE', markers, ARGV[1]) then
    return false
  end
  redis.call('ZADD', markers, ARGV[2], ARGV[1])
  redis.call('HSETNX', agg, 'v', ARGV[3])
  redis.call('HINCRBY', agg, 'v', 1)
  return true
end
