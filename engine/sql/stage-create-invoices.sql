-- Per-session staging table shaped like invoices (emptied at commit).
create temp table if not exists stage_invoices (like invoices including defaults) on commit delete rows
