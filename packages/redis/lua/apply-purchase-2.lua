-- Applies one purchase (an order with its line items) to a customer's aggregates.
-- KEYS[1] = aggregate hash, KEYS[2] = product line counts hash (product id -> line items)
-- ARGV[1..3] = guard (see _guard.lua), ARGV[4] = total in cents, ARGV[5] = purchase date YYYY-MM-DD,
-- ARGV[6..] = the product id of each line item (repeats allowed)
-- Returns 1 when applied, 0 when this position was applied before.
--@include _guard.lua
--@include _purchase.lua
if not cdp_guard(KEYS[1]) then return 0 end
return cdp_purchase(KEYS[1], KEYS[2], 4)
