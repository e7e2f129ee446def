-- Per-session staging table shaped like invoice_items (emptied at commit).
create temp table if not exists stage_items (like invoice_items including defaults) on commit delete rows
