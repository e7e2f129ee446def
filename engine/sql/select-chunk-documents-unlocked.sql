-- The documents of one chunk still without a verdict (row-by-row reference path: each is decided in its own transaction).
select d.id, d.tenant_id, d.content
from documents d
where d.batch_id = $1::uuid and d.chunk = $2::integer and d.verdict is null
order by d.id
