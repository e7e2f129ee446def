-- The webhook deliveries of one batch with every attempt.
select d.id, d.event_type, d.url, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.delivered_at,
       coalesce((select json_agg(json_build_object('at', a.attempted_at, 'status', a.status, 'error', a.error, 'ms', a.duration_ms) order by a.id)
                 from webhook_attempts a where a.delivery_id = d.id), '[]') as attempt_log
from webhook_deliveries d
where d.batch_id = $1::uuid
order by d.created_at
