-- Shared fragment: the call's view of the aggregate hash, with its pending changes. The fold
-- fragments read fields through cdp_get (from the hash on first use, or as the call left them), add
-- to counters (cdp_add), raise dates (cdp_max_date) and set fields (cdp_set) here, and cdp_flush
-- writes every changed field with one HSET at the end of the call: a customer's ops cost one write
-- of the hash however many of them there are, instead of a command per field per op.
-- Values are the texts Redis itself would hold: integers are added in Lua only while both terms are
-- below 2^52 (exact in a double, printed with %d as HINCRBY prints them); otherwise the pending value
-- is written and HINCRBY does the sum on the server, and the result is read back as text.
local cdp_cur = {} -- field -> text (false: absent)
local cdp_dirty = {} -- field -> true once listed in cdp_changed
local cdp_changed = {} -- fields to write, in first-change order

local function cdp_get(agg, field)
  local v = cdp_cur[field]
  if v == nil then
    v = redis.call('HGET', agg, field)
    cdp_cur[field] = v
  end
  return v
end

local function cdp_set(agg, field, text)
  cdp_cur[field] = text
  if not cdp_dirty[field] then
    cdp_dirty[field] = true
    cdp_changed[#cdp_changed + 1] = field
  end
end

local CDP_EXACT = 4503599627370496 -- 2^52

local function cdp_add(agg, field, n)
  local cur = cdp_get(agg, field)
  local a, b = tonumber(cur or '0'), tonumber(n)
  if a > -CDP_EXACT and a < CDP_EXACT and b > -CDP_EXACT and b < CDP_EXACT then
    cdp_set(agg, field, string.format('%d', a + b))
    return
  end
  -- Beyond what a double holds exactly: the server adds (int64, as HINCRBY always did).
  if cdp_dirty[field] then redis.call('HSET', agg, field, cur) end
  redis.call('HINCRBY', agg, field, n)
  cdp_cur[field] = redis.call('HGET', agg, field)
end

-- A float sum stays with HINCRBYFLOAT (its long-double arithmetic and formatting are the stored
-- text); the reply is the new value.
local function cdp_add_float(agg, field, x)
  cdp_cur[field] = redis.call('HINCRBYFLOAT', agg, field, x)
end

local function cdp_flush(agg)
  local n = #cdp_changed
  if n == 0 then return end
  local args = {}
  for i = 1, n do
    local f = cdp_changed[i]
    args[2 * i - 1] = f
    args[2 * i] = cdp_cur[f]
  end
  redis.call('HSET', agg, unpack(args))
end
