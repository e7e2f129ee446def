-- After an attempt: delivered on 2xx; otherwise due again after $5 ms, or failed once older than $6 ms.
update webhook_deliveries
set attempts = attempts + 1,
    last_status = $3::integer,
    last_error = $4::text,
    state = case when $2::boolean then 'delivered'
                 when created_at < now() - make_interval(secs => $6::bigint / 1000.0) then 'failed'
                 else 'pending' end,
    delivered_at = case when $2::boolean then now() else null end,
    next_attempt_at = now() + make_interval(secs => $5::bigint / 1000.0)
where id = $1::uuid
returning state, attempts
