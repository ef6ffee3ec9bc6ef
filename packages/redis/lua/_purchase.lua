-- Body of the purchase apply scripts. Payload from ARGV[a]: total in cents, purchase date YYYY-MM-DD,
-- then the product id of each line item (repeats allowed).
--@include _dates.lua
local function cdp_purchase(agg, lines, a)
  redis.call('HINCRBY', agg, 'po', 1)
  redis.call('HINCRBY', agg, 'pv', ARGV[a])
  cdp_max_date(agg, 'pl', ARGV[a + 1])
  for i = a + 2, #ARGV do
    redis.call('HINCRBY', lines, ARGV[i], 1)
  end
  return 1
end
