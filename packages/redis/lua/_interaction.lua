-- Body of an interaction op. Payload from ARGV[a]: satisfaction score 1..5 or '' for
-- none, '1' if resolved else '0'.
local function cdp_interaction(agg, a)
  redis.call('HINCRBY', agg, 'si', 1)
  if ARGV[a] ~= '' then
    redis.call('HINCRBY', agg, 'ss', ARGV[a])
    redis.call('HINCRBY', agg, 'sn', 1)
  end
  if ARGV[a + 1] == '1' then
    redis.call('HINCRBY', agg, 'sr', 1)
  end
  return 1
end
