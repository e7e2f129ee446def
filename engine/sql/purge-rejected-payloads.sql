-- Retention: the bytes of rejected documents older than $1 days are dropped (the verdict stays).
update documents set content = '\x'::bytea, purged_at = now()
where id in (select id from documents where verdict = 'rejected' and purged_at is null
             and processed_at < now() - make_interval(days => $1::integer) limit 10000)
