-- Creates a batch unless this tenant already used the Idempotency-Key (then returns nothing).
insert into batches (tenant_id, idempotency_key, fingerprint, client_reference, callback_url, request_id, document_count, skipped_count)
values ($1::uuid, $2::text, $3::bytea, $4::text, $5::text, $6::text, $7::integer, $8::integer)
on conflict (tenant_id, idempotency_key) do nothing
returning *
