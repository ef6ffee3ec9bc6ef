-- Shared fragment: the watermark guard (Kafka, NDJSON files).
-- Idempotence per source position: the customer's aggregate hash keeps, per source stream (a Kafka
-- topic-partition), the highest sequence (offset) applied. A fact at or below it was applied before
-- (a redelivery after a crash or a replay) and is skipped. Facts of one customer on one stream are
-- applied in sequence order, so a watermark is enough.
-- field = watermark field, seq = sequence (decimal)
-- On a new position: records it and returns true; the caller then bumps the state version once per
-- new position (starting from the version base, which carries the Redis epoch, so that versions
-- keep growing across a rebuild).
local function cdp_guard(agg, field, seq)
  local seen = redis.call('HGET', agg, field)
  if seen and tonumber(seen) >= tonumber(seq) then
    return false
  end
  redis.call('HSET', agg, field, seq)
  return true
end
