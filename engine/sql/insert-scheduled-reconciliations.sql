-- One scheduled run per tenant for the window ending yesterday in the given time zone.
insert into reconciliation_runs (tenant_id, period_start, period_end, trigger, schedule_tick)
select t.id, (now() at time zone $2::text)::date - $3::integer, (now() at time zone $2::text)::date - 1, 'schedule', $1::timestamptz
from tenants t
on conflict (tenant_id, schedule_tick) where schedule_tick is not null do nothing
returning id
