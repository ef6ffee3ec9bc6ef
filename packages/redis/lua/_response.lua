-- Body of a campaign-response op. Payload from ARGV[a]: campaign id, '1' if a
-- conversion else '0'.
local function cdp_response(agg, campaigns, a)
  redis.call('HINCRBY', agg, 'rc', 1)
  redis.call('SADD', campaigns, ARGV[a])
  if ARGV[a + 1] == '1' then
    redis.call('HINCRBY', agg, 'rv', 1)
  end
  return 1
end
