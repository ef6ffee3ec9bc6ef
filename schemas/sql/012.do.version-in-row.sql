-- The version of the Redis state a row was derived from moves into the row (docs/adr/0005-version-in-row.md).
--
-- Until now the updater's upsert wrote two tables per row: customer_360_version (the version check,
-- under that row's lock) and then customer_360_rows. Kept beside the row, the check is the upsert's
-- own `ON CONFLICT … DO UPDATE … WHERE`, under the row's lock: one index probe, one heap write and
-- its WAL per row instead of two.
--
-- A version with no row guarded nothing the view shows and is dropped; a row with no version (one
-- written by `cdp batch` into an empty table, say) admits any state, as a missing version did.
ALTER TABLE customer_360_rows ADD COLUMN state_version bigint;

UPDATE customer_360_rows r SET state_version = v.version
  FROM customer_360_version v
 WHERE v.customer_id = r.customer_id;

DROP TABLE customer_360_version;

-- Readers that join the version (cdp serve's ETag) and the counts of an erasure keep the name.
CREATE VIEW customer_360_version AS
SELECT customer_id, state_version AS version
  FROM customer_360_rows
 WHERE state_version IS NOT NULL;

-- The view would be automatically updatable, and a DELETE through it would delete profiles: it is
-- read-only. Versions are written with their rows.
CREATE FUNCTION customer_360_version_read_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'customer_360_version is a read-only view of customer_360_rows.state_version (migration 012): write or delete the rows instead';
END
$$;

CREATE TRIGGER customer_360_version_read_only
  INSTEAD OF INSERT OR UPDATE OR DELETE ON customer_360_version
  FOR EACH ROW EXECUTE FUNCTION customer_360_version_read_only();
