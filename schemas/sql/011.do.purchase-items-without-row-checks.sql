-- Line items without a per-row foreign key check (docs/benchmarks.md, session 13).
--
-- purchase_items referenced purchase_transactions with ON DELETE CASCADE. Postgres checks such a
-- reference with a lookup of the parent row for every inserted line, and in the updater's purchase
-- statement (the order and its lines in one INSERT) those lookups were about 40 % of its time: the
-- most expensive statement the updater runs. The reference guarded nothing the writer does not
-- already ensure: lines are inserted only by that statement, only for the orders it inserted
-- itself, so a line never exists before or without its order.
--
-- What the cascade gave stays: deleting orders deletes their lines, now by one statement-level
-- trigger per DELETE (the deleted orders as a transition table), which costs nothing on insert.
-- Erasure deletes both tables itself; the trigger is for everyone else (an operator's repair).
ALTER TABLE purchase_items DROP CONSTRAINT purchase_items_transaction_id_fkey;

CREATE FUNCTION purchase_items_follow_deleted_orders() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM purchase_items i USING deleted_orders d WHERE i.transaction_id = d.transaction_id;
  RETURN NULL;
END $$;

CREATE TRIGGER purchase_items_follow_deleted_orders
  AFTER DELETE ON purchase_transactions
  REFERENCING OLD TABLE AS deleted_orders
  FOR EACH STATEMENT EXECUTE FUNCTION purchase_items_follow_deleted_orders();
