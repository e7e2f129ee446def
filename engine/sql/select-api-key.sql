-- The tenant behind an API key hash, with the key's state.
select k.id as key_id, k.tenant_id, k.key_prefix, k.revoked_at, t.name as tenant_name, t.callback_url
from api_keys k join tenants t on t.id = k.tenant_id
where k.key_hash = $1::bytea
