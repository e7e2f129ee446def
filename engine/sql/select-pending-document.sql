-- One document of a batch still without a verdict, locked (isolated retry of a failing chunk).
select d.id, d.tenant_id, d.content
from documents d
where d.batch_id = $1::uuid and d.id = $2::bigint and d.verdict is null
for update skip locked
