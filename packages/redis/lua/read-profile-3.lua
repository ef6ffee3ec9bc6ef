-- Reads everything a customer_360 row is derived from, in one call.
-- KEYS[1] = aggregate hash, KEYS[2] = product line counts hash, KEYS[3] = campaign id set
-- Returns { aggregate hash as a flat field/value list, product lines as a flat list, distinct campaigns }
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('SCARD', KEYS[3]),
}
