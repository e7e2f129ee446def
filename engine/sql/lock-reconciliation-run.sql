-- A run to execute, locked (a second worker skips it); completed runs are not run again.
select id, tenant_id, period_start, period_end, has_ledger from reconciliation_runs
where id = $1::uuid and state in ('queued', 'running', 'failed')
for update skip locked
