-- Body of a customer-record op: the latest CloudEvents time wins; on equal time the
-- later log order wins. Payload from ARGV[a]: event time (fixed-width sortable UTC text), log order
-- for ties (decimal), the record as JSON.
-- Returns 1 when the record won, 2 when an existing newer record stays.
local function cdp_customer(agg, a)
  if cdp_cur['pt'] == nil then
    local rank = redis.call('HMGET', agg, 'pt', 'ps')
    cdp_cur['pt'], cdp_cur['ps'] = rank[1], rank[2]
  end
  local t = cdp_cur['pt']
  if t then
    if t > ARGV[a] then return 2 end
    if t == ARGV[a] and tonumber(cdp_cur['ps']) >= tonumber(ARGV[a + 1]) then return 2 end
  end
  cdp_set(agg, 'pt', ARGV[a])
  cdp_set(agg, 'ps', ARGV[a + 1])
  cdp_set(agg, 'p', ARGV[a + 2])
  return 1
end
