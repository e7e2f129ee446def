-- Chunks holding documents older than the grace period (ms) and still without a verdict, with the
-- request id of their upload (for the logs of the job that picks them up again).
select d.batch_id, d.chunk, b.request_id
from documents d
join batches b on b.id = d.batch_id
where d.verdict is null and d.received_at < now() - make_interval(secs => $1::integer / 1000.0)
group by d.batch_id, d.chunk, b.request_id
order by min(d.id)
limit 10000
