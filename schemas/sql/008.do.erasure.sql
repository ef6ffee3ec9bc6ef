-- Erasure on request (right to be forgotten). A suppressed customer's data is deleted and nothing that
-- arrives for them later (a late event, a replay, a re-sent record) is applied again. Only the id and
-- the time are kept: no personal data.
CREATE TABLE suppressed_customers (
  customer_id   integer PRIMARY KEY CHECK (customer_id > 0),
  suppressed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per erasure request, by its CloudEvents id: a redelivered or re-sent request finds its row
-- and changes nothing. The audit of what was done; `deleted` counts the rows removed per table.
CREATE TABLE erasure_requests (
  request_id   text PRIMARY KEY,
  customer_id  integer NOT NULL CHECK (customer_id > 0),
  requested_at timestamptz NOT NULL,
  erased_at    timestamptz NOT NULL DEFAULT now(),
  reason       text,
  requested_by text,
  src          text NOT NULL,
  deleted      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX erasure_requests_customer_idx ON erasure_requests (customer_id);
