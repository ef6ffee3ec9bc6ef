-- Reads for cdp serve.
--
-- Email lookup is case-insensitive: GET /v1/profiles?email= compares lower(email), so the index is on
-- that expression.
CREATE INDEX customer_360_email_lower_idx ON customer_360 (lower(email));

-- The recommendations baseline: every product that was bought, with its catalog category and brand
-- and the number of distinct customers who bought it. A materialized view so that a request reads a
-- few index entries instead of aggregating the purchase ledger; cdp serve refreshes it periodically
-- (CONCURRENTLY, which needs the unique index), so it lags the facts by at most that period.
CREATE MATERIALIZED VIEW product_popularity AS
SELECT p.product_id, p.category, p.brand, p.name, count(DISTINCT t.customer_id)::integer AS buyers
  FROM purchase_items i
  JOIN purchase_transactions t USING (transaction_id)
  JOIN product_catalog p USING (product_id)
 GROUP BY p.product_id, p.category, p.brand, p.name;
CREATE UNIQUE INDEX product_popularity_product_idx ON product_popularity (product_id);
CREATE INDEX product_popularity_category_idx ON product_popularity (category, buyers DESC, product_id);
CREATE INDEX product_popularity_brand_idx ON product_popularity (brand, buyers DESC, product_id);

-- "Has this customer bought this product": purchase_items has no customer column, so the customer's
-- transactions are found by customer_id and their items by transaction_id (both indexed already).
