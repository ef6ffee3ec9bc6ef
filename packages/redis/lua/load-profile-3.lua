-- Replaces a customer's whole aggregate state (used by rebuild from the durable facts).
-- KEYS[1] = aggregate hash, KEYS[2] = product line counts hash, KEYS[3] = campaign id set
-- ARGV[1] = number of aggregate field/value pairs (n), ARGV[2] = number of product pairs (m),
-- ARGV[3 .. 2+2n] = aggregate pairs, then 2m product pairs, then the campaign ids.
-- Returns 1.
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
local n = tonumber(ARGV[1])
local m = tonumber(ARGV[2])
local i = 3
if n > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, i, i + 2 * n - 1))
end
i = i + 2 * n
if m > 0 then
  redis.call('HSET', KEYS[2], unpack(ARGV, i, i + 2 * m - 1))
end
i = i + 2 * m
if i <= #ARGV then
  redis.call('SADD', KEYS[3], unpack(ARGV, i, #ARGV))
end
return 1
