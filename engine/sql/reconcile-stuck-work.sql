-- Batches still processing after $3 minutes, with how many of their documents wait for a verdict.
insert into reconciliation_findings (run_id, kind, explanation, details)
select $1::uuid, 'stuck_work',
       format('batch %s received at %s still has %s of %s documents without a verdict after %s minutes', b.id, b.received_at, p.pending, b.document_count, $3::integer),
       jsonb_build_object('batchId', b.id, 'receivedAt', b.received_at, 'pending', p.pending, 'documents', b.document_count, 'documentIds', p.ids)
from batches b
cross join lateral (
  select count(*) as pending, (array_agg(d.id order by d.id))[1:100] as ids
  from documents d where d.batch_id = b.id and d.verdict is null
) p
where b.tenant_id = $2::uuid and b.state <> 'completed' and b.received_at < now() - make_interval(mins => $3::integer)
