-- Items are inserted only by the loader, for the invoices that the same transaction has just
-- inserted (engine/load/process-chunk.ts), and invoices are never deleted: the foreign key's
-- per-row check (an index lookup and a row lock on the invoice for each item) guarded nothing the
-- loader does not already guarantee, and was the largest cost of loading items (2.3 of 5.4 seconds
-- of PostgreSQL CPU for 20,000 documents and 160,000 items). Orphan items would be a loader bug;
-- the test suite's exactly-once audits look for them.
alter table invoice_items drop constraint invoice_items_tenant_id_chave_fkey;
