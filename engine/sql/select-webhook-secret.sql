-- A tenant's webhook signing secret.
select webhook_secret from tenants where id = $1::uuid
