-- Applies one customer-service interaction.
-- KEYS[1] = aggregate hash
-- ARGV[1..3] = guard, ARGV[4] = satisfaction score 1..5 or '' for none, ARGV[5] = '1' if resolved else '0'
-- Returns 1 when applied, 0 when this position was applied before.
--@include _guard.lua
--@include _interaction.lua
if not cdp_guard(KEYS[1]) then return 0 end
return cdp_interaction(KEYS[1], 4)
