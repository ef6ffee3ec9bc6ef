-- The batch recompute of customer_360 (the seed's Steps 1-3) as one set-based query over the source
-- tables, following docs/semantics.md where the original batch SQL is ambiguous or wrong.
-- $1: the as-of date (date). Produces the 29 columns of customer_360, in its order, one row per
-- customer, ordered by customer_id.
-- Every fact table is keyed by its business id, so count(*) counts distinct facts.
WITH
universe AS (
  -- Every customer id that any customer-keyed record or fact mentions.
  SELECT customer_id FROM customer_info
  UNION SELECT customer_id FROM purchase_transactions
  UNION SELECT customer_id FROM customer_service
  UNION SELECT customer_id FROM campaign_responses
  UNION SELECT customer_id FROM website_behavior
),
purchases AS (
  -- Per transaction, not per line item: total_amount is the order's total.
  SELECT
    customer_id,
    count(*) AS orders,
    sum(total_amount) AS ltv,
    max(purchase_date) AS last_purchase_date
  FROM purchase_transactions
  GROUP BY customer_id
),
pair_counts AS (
  -- Line items (rows, not quantities) per (category, brand); items whose product is not in the
  -- catalog have no pair and are left out.
  SELECT t.customer_id, p.category, p.brand, count(*) AS line_items
  FROM purchase_items i
  JOIN purchase_transactions t ON t.transaction_id = i.transaction_id
  JOIN product_catalog p ON p.product_id = i.product_id
  GROUP BY t.customer_id, p.category, p.brand
),
favourites AS (
  -- The pair with the most line items; ties to the smallest pair in byte order, whatever the
  -- database's collation.
  SELECT DISTINCT ON (customer_id) customer_id, category, brand
  FROM pair_counts
  ORDER BY customer_id, line_items DESC, category COLLATE "C", brand COLLATE "C"
),
service AS (
  SELECT
    customer_id,
    count(*) AS interactions,
    avg(satisfaction_score::double precision) AS avg_satisfaction, -- avg skips NULL scores
    count(*) FILTER (WHERE resolution_status = 'Resolved') AS resolved
  FROM customer_service
  GROUP BY customer_id
),
campaigns AS (
  -- A response counts whether or not its campaign is in marketing_campaigns.
  SELECT
    customer_id,
    count(DISTINCT campaign_id) AS campaigns,
    count(*) FILTER (WHERE response_type = 'Conversion') AS conversions
  FROM campaign_responses
  GROUP BY customer_id
),
web AS (
  SELECT
    customer_id,
    count(*) AS sessions,
    avg(pages_viewed::double precision) AS avg_pages,
    avg(time_spent) AS avg_time,
    max(visit_date) AS last_visit_date
  FROM website_behavior
  GROUP BY customer_id
),
profile AS (
  SELECT
    u.customer_id,
    ci.first_name,
    ci.last_name,
    ci.email,
    ci.phone_number,
    ci.date_of_birth,
    ci.registration_date,
    -- Completed years: one less while the as-of (month, day) is before the birthday's, so a Feb 29
    -- birthday completes on Mar 1 in a non-leap year.
    extract(year FROM $1::date)::integer - extract(year FROM ci.date_of_birth)::integer
      - CASE
          WHEN (extract(month FROM $1::date), extract(day FROM $1::date))
             < (extract(month FROM ci.date_of_birth), extract(day FROM ci.date_of_birth))
          THEN 1 ELSE 0
        END AS age,
    $1::date - ci.registration_date AS customer_tenure_days,
    pu.orders::integer AS total_orders,
    pu.ltv::numeric(14, 2) AS total_lifetime_value,
    -- ltv / orders rounded half away from zero to cents, in exact integer arithmetic (the same
    -- formula as the stream's averageCents): floor((2 * cents + n) / (2 * n)).
    (div(2 * pu.ltv * 100 + pu.orders, 2 * pu.orders) * 0.01)::numeric(14, 2) AS average_order_value,
    pu.last_purchase_date,
    $1::date - pu.last_purchase_date AS days_since_last_purchase,
    f.category AS favorite_category,
    f.brand AS favorite_brand,
    s.interactions::integer AS total_interactions,
    s.avg_satisfaction AS avg_satisfaction_score,
    s.resolved::integer AS resolved_interactions, -- 0 with interactions, NULL without
    c.campaigns::integer AS campaigns_engaged,
    c.conversions::integer AS campaign_conversions, -- 0 with responses, NULL without
    w.sessions::integer AS total_sessions,
    w.avg_pages AS avg_pages_per_session,
    w.avg_time AS avg_time_per_session,
    w.last_visit_date
  FROM universe u
  LEFT JOIN customer_info ci ON ci.customer_id = u.customer_id
  LEFT JOIN purchases pu ON pu.customer_id = u.customer_id
  LEFT JOIN favourites f ON f.customer_id = u.customer_id
  LEFT JOIN service s ON s.customer_id = u.customer_id
  LEFT JOIN campaigns c ON c.customer_id = u.customer_id
  LEFT JOIN web w ON w.customer_id = u.customer_id
)
SELECT
  customer_id,
  first_name,
  last_name,
  email,
  phone_number,
  date_of_birth,
  registration_date,
  age,
  customer_tenure_days,
  total_orders,
  total_lifetime_value,
  average_order_value,
  last_purchase_date,
  days_since_last_purchase,
  favorite_category,
  favorite_brand,
  total_interactions,
  avg_satisfaction_score,
  resolved_interactions,
  campaigns_engaged,
  campaign_conversions,
  total_sessions,
  avg_pages_per_session,
  avg_time_per_session,
  last_visit_date,
  (CASE
    WHEN total_lifetime_value > 10000 THEN 'High Value'
    WHEN total_lifetime_value > 5000 THEN 'Medium Value'
    ELSE 'Low Value' -- NULL (never purchased) included
  END)::varchar(20) AS customer_segment,
  CASE
    WHEN last_purchase_date IS NULL THEN NULL -- never purchased: no risk score, not the lowest
    WHEN days_since_last_purchase > 365 THEN 5
    WHEN days_since_last_purchase > 180 THEN 4
    WHEN days_since_last_purchase > 90 THEN 3
    WHEN days_since_last_purchase > 30 THEN 2
    ELSE 1
  END AS churn_risk_score,
  -- Non-buyers count as 0 (lowest quintile); customer_id makes ties deterministic.
  ntile(5) OVER (ORDER BY COALESCE(total_lifetime_value, 0), customer_id) AS customer_lifetime_value_score,
  (COALESCE(campaigns_engaged, 0) + COALESCE(total_sessions, 0) + COALESCE(total_interactions, 0)) / 3
    AS engagement_score
FROM profile
ORDER BY customer_id
