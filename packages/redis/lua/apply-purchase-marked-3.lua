-- Applies one purchase from a source without ordered offsets (Pub/Sub), guarded per message id.
-- KEYS[1] = aggregate hash, KEYS[2] = product line counts hash, KEYS[3] = marker set (_marker.lua)
-- ARGV[1..4] = marker guard, ARGV[5] = total in cents, ARGV[6] = purchase date YYYY-MM-DD,
-- ARGV[7..] = the product id of each line item (repeats allowed)
-- Returns 1 when applied, 0 when this message was applied before.
--@include _marker.lua
--@include _purchase.lua
if not cdp_marker_guard(KEYS[1], KEYS[3]) then return 0 end
return cdp_purchase(KEYS[1], KEYS[2], 5)
