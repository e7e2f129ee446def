-- Documents received in the period whose totals do not add up (rejected with TOTALS_MISMATCH).
insert into reconciliation_findings (run_id, kind, chaves, explanation, details)
select $1::uuid, 'totals_mismatch', array_remove(array[d.chave], null), d.message,
       jsonb_build_object('documentId', d.id, 'batchId', d.batch_id, 'name', d.entry_name)
from documents d
where d.tenant_id = $2::uuid and d.code = 'TOTALS_MISMATCH' and d.received_at::date between $3::date and $4::date
