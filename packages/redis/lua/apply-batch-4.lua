-- Applies a unit of work's ops for one customer, in order, and returns the customer's state: one call
-- per customer per unit (the ops of one customer are few, the customers of a unit many).
-- KEYS[1] = aggregate hash, KEYS[2] = product line counts hash (product id -> line items),
-- KEYS[3] = campaign id set, KEYS[4] = marker set (used by per-message guards only)
-- ARGV[1] = version base (decimal), ARGV[2] = marker trim horizon in microseconds, or '' when no op
-- is guarded per message. Then each op: kind (P purchase, I interaction, R campaign response,
-- S web session, C customer record), guard ('w' watermark, 'm' message marker), the watermark field
-- or the marker, the sequence (offset, or publish time in microseconds), the number n of payload
-- arguments, then the n payload arguments of the kind (see its fragment).
-- Returns { outcome per op: 1 applied, 0 applied before, 2 customer record outranked;
--           the values of the state fields v, po, pv, pl, si, ss, sn, sr, rc, rv, wc, wp, wt, wl, p in
--           this order (nil when absent; STATE_FIELDS in aggregate-store.ts lists the same);
--           product lines as a flat id/count list; the number of distinct campaigns }
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
local agg, lines, campaigns, markers = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base = ARGV[1]
if ARGV[2] ~= '' then cdp_marker_trim(markers, ARGV[2]) end

local bodies = {
  P = function(a, last) return cdp_purchase(agg, lines, a, last) end,
  I = function(a) return cdp_interaction(agg, a) end,
  R = function(a) return cdp_response(agg, campaigns, a) end,
  S = function(a) return cdp_session(agg, a) end,
  C = function(a) return cdp_customer(agg, a) end,
}
-- Checked before anything is written: a malformed call changes nothing.
local i = 3
while i <= #ARGV do
  if not bodies[ARGV[i]] then return redis.error_reply('apply-batch: unknown op kind ' .. tostring(ARGV[i])) end
  i = i + 5 + tonumber(ARGV[i + 4])
end

local outcomes = {}
i = 3
while i <= #ARGV do
  local kind, guard, key, seq = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local a = i + 5
  local last = a + tonumber(ARGV[i + 4]) - 1
  local fresh
  if guard == 'm' then
    fresh = cdp_marker_guard(agg, markers, key, seq, base)
  else
    fresh = cdp_guard(agg, key, seq, base)
  end
  outcomes[#outcomes + 1] = fresh and bodies[kind](a, last) or 0
  i = last + 1
end

return {
  outcomes,
  redis.call('HMGET', agg, 'v', 'po', 'pv', 'pl', 'si', 'ss', 'sn', 'sr', 'rc', 'rv', 'wc', 'wp', 'wt', 'wl', 'p'),
  redis.call('HGETALL', lines),
  redis.call('SCARD', campaigns),
}
