-- Shared prelude of the watermark-guarded apply scripts (Kafka, NDJSON files).
-- Idempotence per source position: the customer's aggregate hash keeps, per source stream (a Kafka
-- topic-partition), the highest sequence (offset) applied. A fact at or below it was applied before
-- (a redelivery after a crash or a replay) and is skipped. Facts of one customer on one stream are
-- applied in sequence order, so a watermark is enough.
-- ARGV[1] = watermark field, ARGV[2] = sequence (decimal), ARGV[3] = version base (decimal)
-- On a new position: records it and bumps the state version (starting from the base, which carries
-- the Redis epoch, so that versions keep growing across a rebuild).
local function cdp_guard(agg)
  local seen = redis.call('HGET', agg, ARGV[1])
  if seen and tonumber(seen) >= tonumber(ARGV[2]) then
    return false
  end
  redis.call('HSET', agg, ARGV[1], ARGV[2])
  redis.call('HSETNX', agg, 'v', ARGV[3])
  redis.call('HINCRBY', agg, 'v', 1)
  return true
end
