-- Ends a rebuild: publishes the new epoch only if the rebuild marker survived the whole load (a
-- FLUSHALL or restart during the load removes it, and the rebuild must start over).
-- KEYS[1] = rebuild marker, KEYS[2] = epoch key (same hash slot)
-- ARGV[1] = the new epoch
-- Returns 1 when published, 0 when the marker was gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1
