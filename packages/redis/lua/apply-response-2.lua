-- Applies one campaign response.
-- KEYS[1] = aggregate hash, KEYS[2] = set of campaign ids responded to
-- ARGV[1..3] = guard, ARGV[4] = campaign id, ARGV[5] = '1' if a conversion else '0'
-- Returns 1 when applied, 0 when this position was applied before.
--@include _guard.lua
--@include _response.lua
if not cdp_guard(KEYS[1]) then return 0 end
return cdp_response(KEYS[1], KEYS[2], 4)
