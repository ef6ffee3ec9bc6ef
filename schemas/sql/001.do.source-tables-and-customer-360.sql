-- Durable facts and reference records (the seed's source tables, keyed by business id), and the
-- customer_360 table with exactly the seed's 29 columns in the seed's order.
--
-- `src` is where a row was read from (Kafka: topic/partition/offset; Pub/Sub: the message id).
-- A redelivery of the same message finds its own `src` on the existing row; a producer re-sending the
-- same business id finds another one and is counted as a duplicate.
-- Reference records are latest-wins by (event_time, src_seq): event_time is the CloudEvents time in a
-- fixed-width sortable UTC text form with nanoseconds, src_seq the position in the log for ties.

CREATE TABLE customer_info (
  customer_id       integer PRIMARY KEY CHECK (customer_id > 0),
  first_name        text,
  last_name         text,
  email             text,
  phone_number      text,
  date_of_birth     date,
  registration_date date NOT NULL,
  event_time        text NOT NULL,
  src               text NOT NULL,
  src_seq           bigint NOT NULL
);

CREATE TABLE product_catalog (
  product_id  integer PRIMARY KEY CHECK (product_id > 0),
  category    text NOT NULL,
  brand       text NOT NULL,
  name        text,
  event_time  text NOT NULL,
  src         text NOT NULL,
  src_seq     bigint NOT NULL
);

CREATE TABLE marketing_campaigns (
  campaign_id   integer PRIMARY KEY CHECK (campaign_id > 0),
  campaign_name text NOT NULL,
  channel       text,
  start_date    date,
  end_date      date,
  event_time    text NOT NULL,
  src           text NOT NULL,
  src_seq       bigint NOT NULL
);

CREATE TABLE purchase_transactions (
  transaction_id text PRIMARY KEY,
  customer_id    integer NOT NULL CHECK (customer_id > 0),
  purchase_date  date NOT NULL,
  total_amount   numeric(14, 2) NOT NULL CHECK (total_amount >= 0),
  src            text NOT NULL
);
CREATE INDEX purchase_transactions_customer_idx ON purchase_transactions (customer_id);

-- One row per line item of an order, in the order's item order.
CREATE TABLE purchase_items (
  transaction_id text NOT NULL REFERENCES purchase_transactions (transaction_id) ON DELETE CASCADE,
  line_no        integer NOT NULL,
  product_id     integer NOT NULL CHECK (product_id > 0),
  quantity       integer NOT NULL CHECK (quantity >= 1),
  amount         numeric(14, 2) CHECK (amount >= 0),
  PRIMARY KEY (transaction_id, line_no)
);
CREATE INDEX purchase_items_product_idx ON purchase_items (product_id);

CREATE TABLE customer_service (
  interaction_id     text PRIMARY KEY,
  customer_id        integer NOT NULL CHECK (customer_id > 0),
  interaction_date   date NOT NULL,
  satisfaction_score smallint CHECK (satisfaction_score BETWEEN 1 AND 5),
  resolution_status  text NOT NULL,
  src                text NOT NULL
);
CREATE INDEX customer_service_customer_idx ON customer_service (customer_id);

CREATE TABLE campaign_responses (
  response_id   text PRIMARY KEY,
  customer_id   integer NOT NULL CHECK (customer_id > 0),
  campaign_id   integer NOT NULL CHECK (campaign_id > 0),
  response_type text NOT NULL,
  response_date date NOT NULL,
  src           text NOT NULL
);
CREATE INDEX campaign_responses_customer_idx ON campaign_responses (customer_id);

CREATE TABLE website_behavior (
  session_id   text PRIMARY KEY,
  customer_id  integer NOT NULL CHECK (customer_id > 0),
  visit_date   date NOT NULL,
  pages_viewed integer NOT NULL CHECK (pages_viewed >= 0),
  time_spent   double precision NOT NULL CHECK (time_spent >= 0),
  src          text NOT NULL
);
CREATE INDEX website_behavior_customer_idx ON website_behavior (customer_id);

CREATE TABLE customer_360 (
  customer_id                   integer PRIMARY KEY,
  first_name                    text,
  last_name                     text,
  email                         text,
  phone_number                  text,
  date_of_birth                 date,
  registration_date             date,
  age                           integer,
  customer_tenure_days          integer,
  total_orders                  integer,
  total_lifetime_value          numeric(14, 2),
  average_order_value           numeric(14, 2),
  last_purchase_date            date,
  days_since_last_purchase      integer,
  favorite_category             text,
  favorite_brand                text,
  total_interactions            integer,
  avg_satisfaction_score        double precision,
  resolved_interactions         integer,
  campaigns_engaged             integer,
  campaign_conversions          integer,
  total_sessions                integer,
  avg_pages_per_session         double precision,
  avg_time_per_session          double precision,
  last_visit_date               date,
  customer_segment              varchar(20),
  churn_risk_score              integer,
  customer_lifetime_value_score integer,
  engagement_score              integer
);

-- The version of the Redis state each customer_360 row was derived from, so that a slower writer
-- (a zombie consumer after a rebalance) can never replace a row with an older state.
CREATE TABLE customer_360_version (
  customer_id integer PRIMARY KEY,
  version     bigint NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
