-- Applies one customer record: the latest CloudEvents time wins; on equal time the later position in
-- the log (ARGV[5]) wins.
-- KEYS[1] = aggregate hash
-- ARGV[1..3] = guard, ARGV[4] = event time (fixed-width sortable UTC text),
-- ARGV[5] = log order for ties (decimal), ARGV[6] = the record as JSON
-- Returns 1 when the record won, 2 when an existing newer record stays, 0 when this position was
-- applied before.
--@include _guard.lua
--@include _customer.lua
if not cdp_guard(KEYS[1]) then return 0 end
return cdp_customer(KEYS[1], 4)
