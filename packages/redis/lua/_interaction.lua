-- Body of an interaction op. Payload from ARGV[a]: satisfaction score 1..5 or '' for
-- none, '1' if resolved else '0'.
local function cdp_interaction(agg, a)
  cdp_add(agg, 'si', 1)
  if ARGV[a] ~= '' then
    cdp_add(agg, 'ss', ARGV[a])
    cdp_add(agg, 'sn', 1)
  end
  if ARGV[a + 1] == '1' then
    cdp_add(agg, 'sr', 1)
  end
  return 1
end
