-- Personalization triggers wait here, written in the same transaction as the customer_360 change
-- that caused them, until a publisher has sent them (transactional outbox). A crash can make a
-- trigger go out twice (same idempotency key) but never lose it.
CREATE TABLE profile_trigger_outbox (
  id              bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  customer_id     integer NOT NULL,
  rule            text NOT NULL,
  profile_version text NOT NULL,
  column_name     text NOT NULL,
  old_value       jsonb,
  new_value       jsonb,
  created_at      timestamptz NOT NULL DEFAULT now()
);
