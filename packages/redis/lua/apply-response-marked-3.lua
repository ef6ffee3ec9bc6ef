-- Applies one campaign response from a source without ordered offsets (Pub/Sub).
-- KEYS[1] = aggregate hash, KEYS[2] = set of campaign ids responded to, KEYS[3] = marker set
-- ARGV[1..4] = marker guard (_marker.lua), ARGV[5] = campaign id, ARGV[6] = '1' if a conversion else '0'
-- Returns 1 when applied, 0 when this message was applied before.
--@include _marker.lua
--@include _response.lua
if not cdp_marker_guard(KEYS[1], KEYS[3]) then return 0 end
return cdp_response(KEYS[1], KEYS[2], 5)
