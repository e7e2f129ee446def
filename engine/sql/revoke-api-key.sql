-- Revokes the keys of a tenant whose prefix matches.
update api_keys set revoked_at = now() where key_prefix = $1::text and revoked_at is null returning id
