-- One delivery attempt: HTTP status (or error) and duration.
insert into webhook_attempts (delivery_id, status, error, duration_ms) values ($1::uuid, $2::integer, $3::text, $4::integer)
