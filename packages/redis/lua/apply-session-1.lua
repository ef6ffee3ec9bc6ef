-- Applies one web session.
-- KEYS[1] = aggregate hash
-- ARGV[1..3] = guard, ARGV[4] = pages viewed (integer), ARGV[5] = time spent in seconds (decimal),
-- ARGV[6] = visit date YYYY-MM-DD
-- Returns 1 when applied, 0 when this position was applied before.
--@include _guard.lua
--@include _session.lua
if not cdp_guard(KEYS[1]) then return 0 end
return cdp_session(KEYS[1], 4)
