-- Applies one customer record from a source without ordered offsets (Pub/Sub): the latest
-- CloudEvents time wins; on equal time the later publish time (ARGV[6], the log order) wins.
-- KEYS[1] = aggregate hash, KEYS[2] = marker set (_marker.lua)
-- ARGV[1..4] = marker guard, ARGV[5] = event time (fixed-width sortable UTC text),
-- ARGV[6] = log order for ties (decimal), ARGV[7] = the record as JSON
-- Returns 1 when the record won, 2 when an existing newer record stays, 0 when this message was
-- applied before.
--@include _marker.lua
--@include _customer.lua
if not cdp_marker_guard(KEYS[1], KEYS[2]) then return 0 end
return cdp_customer(KEYS[1], 5)
