-- Applies one web session.
-- KEYS[1] = aggregate hash
-- ARGV[1..3] = guard, ARGV[4] = pages viewed (integer), ARGV[5] = time spent in seconds (decimal),
-- ARGV[6] = visit date YYYY-MM-DD
-- Returns 1 when applied, 0 when this position was applied before.
--@include _guard.lua
if not cdp_guard(KEYS[1]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'wc', 1)
redis.call('HINCRBY', KEYS[1], 'wp', ARGV[4])
redis.call('HINCRBYFLOAT', KEYS[1], 'wt', ARGV[5])
cdp_max_date(KEYS[1], 'wl', ARGV[6])
return 1
