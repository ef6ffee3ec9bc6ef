-- Reads what a customer_360 row is derived from, without the per-stream watermarks (the updater's
-- hot path: a customer has one watermark per topic-partition it appeared on, often more fields than
-- the state itself, and the row never needs them).
-- KEYS[1] = aggregate hash, KEYS[2] = product line counts hash, KEYS[3] = campaign id set
-- Returns { values of the state fields v, po, pv, pl, si, ss, sn, sr, rc, rv, wc, wp, wt, wl, p in
-- this order (nil when absent; STATE_FIELDS in aggregate-store.ts lists the same), product lines as a
-- flat id/count list, number of distinct campaigns }
return {
  redis.call('HMGET', KEYS[1], 'v', 'po', 'pv', 'pl', 'si', 'ss', 'sn', 'sr', 'rc', 'rv', 'wc', 'wp', 'wt', 'wl', 'p'),
  redis.call('HGETALL', KEYS[2]),
  redis.call('SCARD', KEYS[3]),
}
