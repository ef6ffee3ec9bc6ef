-- Body of a purchase op. Payload ARGV[a .. last]: total in cents, purchase date YYYY-MM-DD, then the
-- product id of each line item (repeats allowed).
local function cdp_purchase(agg, lines, a, last)
  redis.call('HINCRBY', agg, 'po', 1)
  redis.call('HINCRBY', agg, 'pv', ARGV[a])
  cdp_max_date(agg, 'pl', ARGV[a + 1])
  for i = a + 2, last do
    redis.call('HINCRBY', lines, ARGV[i], 1)
  end
  return 1
end
