-- Body of a customer-record op: the latest CloudEvents time wins; on equal time the
-- later log order wins. Payload from ARGV[a]: event time (fixed-width sortable UTC text), log order
-- for ties (decimal), the record as JSON.
-- Returns 1 when the record won, 2 when an existing newer record stays.
local function cdp_customer(agg, a)
  local t = redis.call('HGET', agg, 'pt')
  if t then
    if t > ARGV[a] then return 2 end
    if t == ARGV[a] and tonumber(redis.call('HGET', agg, 'ps')) >= tonumber(ARGV[a + 1]) then return 2 end
  end
  redis.call('HSET', agg, 'pt', ARGV[a], 'ps', ARGV[a + 1], 'p', ARGV[a + 2])
  return 1
end
