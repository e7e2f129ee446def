-- Items are inserted only by the loader's merge, joined to the invoice that the same transaction
-- just loaded (engine/sql/merge-items.sql), and invoices are never deleted: the foreign key's
-- per-row check (an index lookup and a row lock on the invoice for each item) guarded nothing the
-- merge does not already guarantee, and was the largest cost of loading items (2.3 of 5.4 seconds
-- of PostgreSQL CPU for 20,000 documents and 160,000 items). Orphan items would be a loader bug;
-- the test suite's exactly-once audits look for them.
alter table invoice_items drop constraint invoice_items_tenant_id_chave_fkey;
