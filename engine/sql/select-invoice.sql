-- One invoice of one tenant.
select * from invoices where tenant_id = $1::uuid and chave = $2::text
