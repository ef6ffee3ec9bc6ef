-- Applies one customer-service interaction from a source without ordered offsets (Pub/Sub).
-- KEYS[1] = aggregate hash, KEYS[2] = marker set (_marker.lua)
-- ARGV[1..4] = marker guard, ARGV[5] = satisfaction score 1..5 or '' for none,
-- ARGV[6] = '1' if resolved else '0'
-- Returns 1 when applied, 0 when this message was applied before.
--@include _marker.lua
--@include _interaction.lua
if not cdp_marker_guard(KEYS[1], KEYS[2]) then return 0 end
return cdp_interaction(KEYS[1], 5)
