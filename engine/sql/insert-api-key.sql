-- Stores the hash of a new API key (the key itself is shown once and never stored).
insert into api_keys (tenant_id, key_hash, key_prefix) values ($1::uuid, $2::bytea, $3::text) returning id
