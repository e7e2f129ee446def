-- Per-session staging table shaped like invoice_events (emptied at commit).
create temp table if not exists stage_events (like invoice_events including defaults) on commit delete rows
