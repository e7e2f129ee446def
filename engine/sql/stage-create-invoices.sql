-- Per-session staging table shaped like invoices, with its own identity (emptied at commit).
create temp table if not exists stage_invoices (like invoices including defaults including identity) on commit delete rows
