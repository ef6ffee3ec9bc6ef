-- Applies a unit of work's ops for one or more customers, each customer's ops in order, and returns
-- each customer's state in a compact text: one call per group of customers per unit (on a Redis
-- Cluster the customers of one call share a hash slot, usually there is one).
-- KEYS, four per customer: aggregate hash, product line counts hash (product id -> line items),
-- campaign id set, marker set (used by per-message guards only).
-- ARGV[1] = version base (decimal), ARGV[2] = marker trim horizon in microseconds, or '' when no op
-- of the call is guarded per message. Then, per customer in the order of KEYS: the number of
-- arguments its ops take (0 for a read alone), then each op: kind (P purchase, I interaction,
-- R campaign response, S web session, C customer record), guard ('w' watermark, 'm' message marker),
-- the watermark field or the marker, the sequence (offset, or publish time in microseconds), the
-- number n of payload arguments, then the n payload arguments of the kind (see its fragment).
-- Returns one text per customer, its lines separated by '\n':
--   line 1: the outcome of each op, one digit each (1 applied, 0 applied before, 2 customer record
--           outranked); empty when the customer had no op;
--   lines 2-16: the values of the state fields v, po, pv, pl, si, ss, sn, sr, rc, rv, wc, wp, wt, wl, p
--           in this order, empty when absent (STATE_FIELDS in @cdp360/domain lists the same; no
--           stored value is ever empty, and the record is JSON, which has no raw line break);
--   line 17: the number of distinct campaigns;
--   then the product lines, product id and count on alternate lines.
-- The per-stream watermarks are not returned: a customer has one per topic-partition it appeared on,
-- often more fields than the state itself, and the row never needs them.
--@include _dates.lua
--@include _guard.lua
--@include _marker.lua
--@include _purchase.lua
--@include _interaction.lua
--@include _response.lua
--@include _session.lua
--@include _customer.lua
local base, horizon = ARGV[1], ARGV[2]
local customers = #KEYS / 4

-- Checked before anything is written: a malformed call changes nothing.
local bodies = { P = true, I = true, R = true, S = true, C = true }
local i = 3
for c = 1, customers do
  local last = i + tonumber(ARGV[i])
  i = i + 1
  while i <= last do
    if not bodies[ARGV[i]] then return redis.error_reply('apply-customers: unknown op kind ' .. tostring(ARGV[i])) end
    i = i + 5 + tonumber(ARGV[i + 4])
  end
  if i ~= last + 1 then return redis.error_reply('apply-customers: ops of customer ' .. c .. ' overrun their count') end
end
if i ~= #ARGV + 1 then return redis.error_reply('apply-customers: ' .. (#ARGV + 1 - i) .. ' arguments left over') end

local replies = {}
i = 3
for c = 1, customers do
  local k = 4 * c - 3
  local agg, lines, campaigns, markers = KEYS[k], KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  local last = i + tonumber(ARGV[i])
  i = i + 1
  local outcomes = {}
  local trimmed = horizon == ''
  local fresh = 0
  while i <= last do
    local kind, guard, key, seq = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
    local a = i + 5
    local op_last = a + tonumber(ARGV[i + 4]) - 1
    local new
    if guard == 'm' then
      if not trimmed then
        cdp_marker_trim(markers, horizon)
        trimmed = true
      end
      new = cdp_marker_guard(markers, key, seq)
    else
      new = cdp_guard(agg, key, seq)
    end
    local outcome = 0
    if new then
      fresh = fresh + 1
      if kind == 'P' then outcome = cdp_purchase(agg, lines, a, op_last)
      elseif kind == 'I' then outcome = cdp_interaction(agg, a)
      elseif kind == 'R' then outcome = cdp_response(agg, campaigns, a)
      elseif kind == 'S' then outcome = cdp_session(agg, a)
      else outcome = cdp_customer(agg, a) end
    end
    outcomes[#outcomes + 1] = outcome
    i = op_last + 1
  end
  -- Every new position bumps the state version once, starting from the base (see _guard.lua). A
  -- hash without a version yet gets exactly `fresh` from the first HINCRBY (a stored version is
  -- never below 1, and above 0 it already holds more than `fresh` unless the base is 0, where adding
  -- it changes nothing), and the base then goes on top: one call on the common path instead of two,
  -- with the arithmetic in Redis' 64-bit integers (a Lua number cannot hold every base exactly).
  if fresh > 0 and redis.call('HINCRBY', agg, 'v', fresh) == fresh then
    redis.call('HINCRBY', agg, 'v', base)
  end
  local state = redis.call('HMGET', agg, 'v', 'po', 'pv', 'pl', 'si', 'ss', 'sn', 'sr', 'rc', 'rv', 'wc', 'wp', 'wt', 'wl', 'p')
  for f = 1, 15 do
    if not state[f] then state[f] = '' end
  end
  local text = table.concat(outcomes) .. '\n' .. table.concat(state, '\n') .. '\n' .. redis.call('SCARD', campaigns)
  local products = redis.call('HGETALL', lines)
  if #products > 0 then text = text .. '\n' .. table.concat(products, '\n') end
  replies[c] = text
end
return replies
