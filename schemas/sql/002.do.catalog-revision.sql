-- Catalog revisions, so that every updater instance can refresh its in-memory catalog with one cheap
-- query per batch (`WHERE rev > last seen`). Writers take the single catalog_state row lock before
-- stamping their rows, so revisions become visible in commit order and no change can be skipped.
CREATE TABLE catalog_state (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL
);
INSERT INTO catalog_state (version) VALUES (0);

ALTER TABLE product_catalog ADD COLUMN rev bigint NOT NULL DEFAULT 0;
CREATE INDEX product_catalog_rev_idx ON product_catalog (rev);
