-- The batch a tenant created with an Idempotency-Key.
select * from batches where tenant_id = $1::uuid and idempotency_key = $2::text
