-- The documents of one chunk still without a verdict, locked: a second worker on the same chunk
-- skips them. Their bytes are read next, with COPY (see process-chunk.ts).
select d.id, d.tenant_id
from documents d
where d.batch_id = $1::uuid and d.chunk = $2::integer and d.verdict is null
order by d.id
for update skip locked
