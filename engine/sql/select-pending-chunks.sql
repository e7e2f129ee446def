-- Chunks holding documents older than the grace period (ms) and still without a verdict.
select batch_id, chunk
from documents
where verdict is null and received_at < now() - make_interval(secs => $1::integer / 1000.0)
group by batch_id, chunk
order by min(id)
limit 10000
