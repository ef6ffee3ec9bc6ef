-- customer_360 becomes a view; its rows live in customer_360_rows (docs/adr/0004-customer-360-view.md).
--
-- age, customer_tenure_days, days_since_last_purchase and churn_risk_score depend on the as-of date.
-- Each row keeps the values its writer (the updater, the batch) computed for its own as-of date, and
-- `dates_seq`, drawn from customer_360_dates_seq when it was written. The scoring run no longer
-- rewrites every row each day: it records its as-of date in customer_360_dates together with a fresh
-- number from the same sequence, and the view computes the four columns for that date for every row
-- written before it (dates_seq below the run's number). Rows written after the run keep their own
-- values, as they would have after the rewrite. Before any run (as_of NULL) the stored values stand.
ALTER TABLE customer_360 RENAME TO customer_360_rows;
ALTER INDEX customer_360_pkey RENAME TO customer_360_rows_pkey;

CREATE SEQUENCE customer_360_dates_seq AS bigint;

-- Every insert draws a number; an update sets it explicitly when it writes the date columns.
ALTER TABLE customer_360_rows ADD COLUMN dates_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE customer_360_rows ALTER COLUMN dates_seq SET DEFAULT nextval('customer_360_dates_seq');

-- One row: the as-of date of the last scoring run's date step and its number.
CREATE TABLE customer_360_dates (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  as_of     date,
  seq       bigint NOT NULL,
  run_id    bigint REFERENCES scoring_runs (run_id) ON DELETE SET NULL,
  set_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customer_360_dates (as_of, seq) VALUES (NULL, 0);

-- The expressions are the batch recompute's (batch-customer-360.sql) with the as-of date read from
-- customer_360_dates; scoring/dates.test.ts checks that they stay the same. Each scalar subquery is
-- evaluated once per query. The view is automatically updatable in its other columns.
CREATE VIEW customer_360 AS
SELECT
  c.customer_id,
  c.first_name,
  c.last_name,
  c.email,
  c.phone_number,
  c.date_of_birth,
  c.registration_date,
  CASE
    WHEN c.dates_seq > (SELECT seq FROM customer_360_dates) OR (SELECT as_of FROM customer_360_dates) IS NULL
    THEN c.age
    ELSE extract(year FROM (SELECT as_of FROM customer_360_dates))::integer - extract(year FROM c.date_of_birth)::integer
      - CASE
          WHEN (extract(month FROM (SELECT as_of FROM customer_360_dates)), extract(day FROM (SELECT as_of FROM customer_360_dates)))
             < (extract(month FROM c.date_of_birth), extract(day FROM c.date_of_birth))
          THEN 1 ELSE 0
        END
  END AS age,
  CASE
    WHEN c.dates_seq > (SELECT seq FROM customer_360_dates) OR (SELECT as_of FROM customer_360_dates) IS NULL
    THEN c.customer_tenure_days
    ELSE (SELECT as_of FROM customer_360_dates) - c.registration_date
  END AS customer_tenure_days,
  c.total_orders,
  c.total_lifetime_value,
  c.average_order_value,
  c.last_purchase_date,
  CASE
    WHEN c.dates_seq > (SELECT seq FROM customer_360_dates) OR (SELECT as_of FROM customer_360_dates) IS NULL
    THEN c.days_since_last_purchase
    ELSE (SELECT as_of FROM customer_360_dates) - c.last_purchase_date
  END AS days_since_last_purchase,
  c.favorite_category,
  c.favorite_brand,
  c.total_interactions,
  c.avg_satisfaction_score,
  c.resolved_interactions,
  c.campaigns_engaged,
  c.campaign_conversions,
  c.total_sessions,
  c.avg_pages_per_session,
  c.avg_time_per_session,
  c.last_visit_date,
  c.customer_segment,
  CASE
    WHEN c.dates_seq > (SELECT seq FROM customer_360_dates) OR (SELECT as_of FROM customer_360_dates) IS NULL
    THEN c.churn_risk_score
    ELSE CASE
      WHEN c.last_purchase_date IS NULL THEN NULL
      WHEN (SELECT as_of FROM customer_360_dates) - c.last_purchase_date > 365 THEN 5
      WHEN (SELECT as_of FROM customer_360_dates) - c.last_purchase_date > 180 THEN 4
      WHEN (SELECT as_of FROM customer_360_dates) - c.last_purchase_date > 90 THEN 3
      WHEN (SELECT as_of FROM customer_360_dates) - c.last_purchase_date > 30 THEN 2
      ELSE 1
    END
  END AS churn_risk_score,
  c.customer_lifetime_value_score,
  c.engagement_score
FROM customer_360_rows c;
