-- The events recorded for one chave (with or without its invoice), oldest first.
select * from invoice_events where tenant_id = $1::uuid and chave = $2::text order by occurred_at, tp_evento, sequence
