-- Shared fragment: keeps the later of a stored date and a new one (YYYY-MM-DD compares as text).
local function cdp_max_date(agg, field, date)
  local cur = redis.call('HGET', agg, field)
  if not cur or date > cur then
    redis.call('HSET', agg, field, date)
  end
end
