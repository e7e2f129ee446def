-- One reconciliation run of one tenant.
select * from reconciliation_runs where id = $1::uuid and tenant_id = $2::uuid
