-- A reconciliation run; a scheduled one once per tenant and tick (returns nothing when it exists).
insert into reconciliation_runs (tenant_id, period_start, period_end, trigger, schedule_tick, has_ledger)
values ($1::uuid, $2::date, $3::date, $4::text, $5::timestamptz, $6::boolean)
on conflict (tenant_id, schedule_tick) where schedule_tick is not null do nothing
returning id
