-- Applies one customer record: the latest CloudEvents time wins; on equal time the later position in
-- the log (ARGV[5]) wins.
-- KEYS[1] = aggregate hash
-- ARGV[1..3] = guard, ARGV[4] = event time (fixed-width sortable UTC text),
-- ARGV[5] = log order for ties (decimal), ARGV[6] = the record as JSON
-- Returns 1 when the record won, 2 when an existing newer record stays, 0 when this position was
-- applied before.
--@include _guard.lua
if not cdp_guard(KEYS[1]) then return 0 end
local t = redis.call('HGET', KEYS[1], 'pt')
if t then
  if t > ARGV[4] then return 2 end
  if t == ARGV[4] and tonumber(redis.call('HGET', KEYS[1], 'ps')) >= tonumber(ARGV[5]) then return 2 end
end
redis.call('HSET', KEYS[1], 'pt', ARGV[4], 'ps', ARGV[5], 'p', ARGV[6])
return 1
