-- Documents the pipeline could not load (PROCESSING_FAILED) received in the period.
insert into reconciliation_findings (run_id, kind, chaves, explanation, details)
select $1::uuid, 'failed_work', array_remove(array[d.chave], null),
       format('document %s of batch %s could not be loaded (%s); it is kept for a replay', d.id, d.batch_id, d.message),
       jsonb_build_object('documentId', d.id, 'batchId', d.batch_id, 'name', d.entry_name)
from documents d
where d.tenant_id = $2::uuid and d.code = 'PROCESSING_FAILED' and d.received_at::date between $3::date and $4::date
