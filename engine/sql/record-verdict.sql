-- Writes one document's verdict once (row-by-row path and isolated retries).
update documents
set verdict = $2::text, code = $3::text, message = $4::text, kind = $5::text, chave = $6::text, processed_at = now()
where id = $1::bigint and verdict is null
returning id::text as id, verdict, code, chave
