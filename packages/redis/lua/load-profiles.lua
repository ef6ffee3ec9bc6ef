-- Replaces the whole aggregate state of one or more customers (the rebuild from the durable facts):
-- one call per group of customers (on a Redis Cluster the customers of one call share a hash slot).
-- KEYS, three per customer: aggregate hash, product line counts hash, campaign id set.
-- ARGV, per customer in the order of KEYS: the number of aggregate field/value pairs (n), of product
-- pairs (m) and of campaign ids (c), then the 2n aggregate arguments, the 2m product arguments and
-- the c campaign ids.
-- Returns the number of customers loaded.
local customers = #KEYS / 3

-- Checked before anything is written: a malformed call changes nothing.
local i = 1
for c = 1, customers do
  local n, m, k = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if not (n and m and k) then return redis.error_reply('load-profiles: bad counts for customer ' .. c) end
  i = i + 3 + 2 * n + 2 * m + k
end
if i ~= #ARGV + 1 then
  return redis.error_reply('load-profiles: ' .. (#ARGV + 1 - i) .. ' arguments left over or missing')
end

i = 1
for c = 1, customers do
  local agg, lines, campaigns = KEYS[3 * c - 2], KEYS[3 * c - 1], KEYS[3 * c]
  local n, m, k = tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  i = i + 3
  redis.call('DEL', agg, lines, campaigns)
  if n > 0 then redis.call('HSET', agg, unpack(ARGV, i, i + 2 * n - 1)) end
  i = i + 2 * n
  if m > 0 then redis.call('HSET', lines, unpack(ARGV, i, i + 2 * m - 1)) end
  i = i + 2 * m
  if k > 0 then redis.call('SADD', campaigns, unpack(ARGV, i, i + k - 1)) end
  i = i + k
end
return customers
