-- Body of the web-session apply scripts. Payload from ARGV[a]: pages viewed (integer), time spent in
-- seconds (decimal), visit date YYYY-MM-DD.
--@include _dates.lua
local function cdp_session(agg, a)
  redis.call('HINCRBY', agg, 'wc', 1)
  redis.call('HINCRBY', agg, 'wp', ARGV[a])
  redis.call('HINCRBYFLOAT', agg, 'wt', ARGV[a + 1])
  cdp_max_date(agg, 'wl', ARGV[a + 2])
  return 1
end
