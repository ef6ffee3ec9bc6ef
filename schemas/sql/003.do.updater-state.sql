-- Small durable counters the updater instances share.
--   redis_epoch:      bumped by every rebuild of the Redis aggregates; Redis holds the same number while
--                     its state is complete (a missing or different number means Redis lost state).
--   catalog_settled:  catalog revision up to which every affected customer_360 row was re-derived.
CREATE TABLE updater_state (
  name  text PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO updater_state (name, value) VALUES ('redis_epoch', 0), ('catalog_settled', 0);
