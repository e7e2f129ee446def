-- A tenant's most recent reconciliation runs.
select * from reconciliation_runs where tenant_id = $1::uuid order by created_at desc limit $2::integer
