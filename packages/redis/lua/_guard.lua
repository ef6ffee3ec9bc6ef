-- Shared fragment: the watermark guard (Kafka, NDJSON files).
-- Idempotence per source position: the customer's aggregate hash keeps, per source stream (a Kafka
-- topic-partition), the highest sequence (offset) applied. A fact at or below it was applied before
-- (a redelivery after a crash or a replay) and is skipped. Facts of one customer on one stream are
-- applied in sequence order, so a watermark is enough.
-- field = watermark field, seq = sequence (decimal), base = version base (decimal)
-- On a new position: records it and bumps the state version (starting from the base, which carries
-- the Redis epoch, so that versions keep growing across a rebuild).
local function cdp_guard(agg, field, seq, base)
  local seen = redis.call('HGET', agg, field)
  if seen and tonumber(seen) >= tonumber(seq) then
    return false
  end
  redis.call('HSET', agg, field, seq)
  redis.call('HSETNX', agg, 'v', base)
  redis.call('HINCRBY', agg, 'v', 1)
  return true
end
