-- Applies one web session from a source without ordered offsets (Pub/Sub).
-- KEYS[1] = aggregate hash, KEYS[2] = marker set (_marker.lua)
-- ARGV[1..4] = marker guard, ARGV[5] = pages viewed (integer), ARGV[6] = time spent in seconds
-- (decimal), ARGV[7] = visit date YYYY-MM-DD
-- Returns 1 when applied, 0 when this message was applied before.
--@include _marker.lua
--@include _session.lua
if not cdp_marker_guard(KEYS[1], KEYS[2]) then return 0 end
return cdp_session(KEYS[1], 5)
