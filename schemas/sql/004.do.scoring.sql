-- The periodic scoring job (cdp score / cdp scorer): one row per run, and the CLV quintile cut points
-- the updater estimates scores from between runs.
--
-- A run is a series of steps, each committed with its own counts, so an interrupted run leaves the
-- steps it finished recorded and finished_at NULL; the next run redoes the job from the start.
-- period_start is the scheduler's period (NULL for `cdp score --once`): with it, scorer instances
-- that take the lease one after another in the same period see that the period's run is done.
CREATE TABLE scoring_runs (
  run_id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  as_of                     date NOT NULL,
  holder                    text NOT NULL,
  period_start              timestamptz,
  started_at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at               timestamptz,
  -- CLV step: rows scored and rows whose quintile changed.
  clv_rows                  bigint,
  clv_changed               bigint,
  clv_ms                    integer,
  -- Favourites step: the catalog revision swept to (buyers of products changed up to it are exact),
  -- whether it swept every customer (the first run), and rows changed per column.
  favorites_revision        bigint,
  favorites_full            boolean,
  favorite_category_changed bigint,
  favorite_brand_changed    bigint,
  favorites_ms              integer,
  -- Date-dependent columns for as_of: rows changed per column.
  age_changed               bigint,
  tenure_changed            bigint,
  days_since_changed        bigint,
  churn_changed             bigint,
  dates_ms                  integer,
  -- Rows written by the run (a row changed in several columns counts once per step).
  rows_written              bigint
);
CREATE INDEX scoring_runs_period_idx ON scoring_runs (period_start) WHERE period_start IS NOT NULL;

-- The (COALESCE(total_lifetime_value, 0), customer_id) of the first row of quintile buckets 2..5 in a
-- run's order, written in the same transaction as the run's scores.
CREATE TABLE scoring_clv_cut_points (
  run_id      bigint NOT NULL REFERENCES scoring_runs (run_id) ON DELETE CASCADE,
  bucket      smallint NOT NULL CHECK (bucket BETWEEN 2 AND 5),
  ltv         numeric(14, 2) NOT NULL,
  customer_id integer NOT NULL,
  PRIMARY KEY (run_id, bucket)
);
