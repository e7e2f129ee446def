-- One batch of one tenant (another tenant's batch is simply not found).
select * from batches where id = $1::uuid and tenant_id = $2::uuid
