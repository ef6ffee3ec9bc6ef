-- Body of a web-session op. Payload from ARGV[a]: pages viewed (integer), time spent in
-- seconds (decimal), visit date YYYY-MM-DD.
local function cdp_session(agg, a)
  redis.call('HINCRBY', agg, 'wc', 1)
  redis.call('HINCRBY', agg, 'wp', ARGV[a])
  redis.call('HINCRBYFLOAT', agg, 'wt', ARGV[a + 1])
  cdp_max_date(agg, 'wl', ARGV[a + 2])
  return 1
end
