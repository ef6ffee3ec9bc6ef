-- Applies one customer-service interaction.
-- KEYS[1] = aggregate hash
-- ARGV[1..3] = guard, ARGV[4] = satisfaction score 1..5 or '' for none, ARGV[5] = '1' if resolved else '0'
-- Returns 1 when applied, 0 when this position was applied before.
--@include _guard.lua
if not cdp_guard(KEYS[1]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'si', 1)
if ARGV[4] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'ss', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'sn', 1)
end
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[1], 'sr', 1)
end
return 1
