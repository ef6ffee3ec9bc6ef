-- Body of a web-session op. Payload from ARGV[a]: pages viewed (integer), time spent in
-- seconds (decimal), visit date YYYY-MM-DD.
local function cdp_session(agg, a)
  cdp_add(agg, 'wc', 1)
  cdp_add(agg, 'wp', ARGV[a])
  cdp_add_float(agg, 'wt', ARGV[a + 1])
  cdp_max_date(agg, 'wl', ARGV[a + 2])
  return 1
end
