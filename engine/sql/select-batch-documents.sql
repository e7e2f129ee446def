-- One page of a batch's documents (cursor: ids after $2), optionally of one verdict ('pending' = none yet).
select d.id, d.seq, d.entry_name, d.size, d.sha256, d.verdict, d.code, d.message, d.kind, d.chave, d.received_at, d.processed_at
from documents d
where d.batch_id = $1::uuid and d.id > $2::bigint
  and ($3::text is null or ($3::text = 'pending' and d.verdict is null) or d.verdict = $3::text)
order by d.id
limit $4::integer
