-- The client's ledger against what was received: missing, unexpected, different value or date, cancelled but booked.
insert into reconciliation_findings (run_id, kind, chaves, explanation, details)
select $1::uuid, f.kind, array[f.chave], f.explanation, f.details
from (
  select 'ledger_missing' as kind, l.chave, format('ledger line %s: %s was never received', l.line, l.chave) as explanation,
         jsonb_build_object('line', l.line, 'ledgerDate', l.issued_date, 'ledgerTotal', l.total) as details
  from reconciliation_ledger l
  where l.run_id = $1::uuid and not exists (select 1 from invoices i where i.tenant_id = $2::uuid and i.chave = l.chave)
  union all
  select 'ledger_unexpected', i.chave, format('%s (issued %s, total %s) was received but is not in the ledger', i.chave, i.issued_date, i.v_nf),
         jsonb_build_object('issuedDate', i.issued_date, 'vNF', i.v_nf)
  from invoices i
  where i.tenant_id = $2::uuid and i.issued_date between $3::date and $4::date and i.state in ('authorized', 'unknown')
    and not exists (select 1 from reconciliation_ledger l where l.run_id = $1::uuid and l.chave = i.chave)
  union all
  select 'ledger_value_mismatch', l.chave, format('ledger line %s: %s totals %s in the ledger but %s in the invoice', l.line, l.chave, l.total, i.v_nf),
         jsonb_build_object('line', l.line, 'ledgerTotal', l.total, 'vNF', i.v_nf)
  from reconciliation_ledger l join invoices i on i.tenant_id = $2::uuid and i.chave = l.chave
  where l.run_id = $1::uuid and l.total <> i.v_nf
  union all
  select 'ledger_date_mismatch', l.chave, format('ledger line %s: %s is dated %s in the ledger but was issued %s', l.line, l.chave, l.issued_date, i.issued_date),
         jsonb_build_object('line', l.line, 'ledgerDate', l.issued_date, 'issuedDate', i.issued_date)
  from reconciliation_ledger l join invoices i on i.tenant_id = $2::uuid and i.chave = l.chave
  where l.run_id = $1::uuid and l.issued_date <> i.issued_date
  union all
  select 'ledger_cancelled', l.chave, format('ledger line %s: %s is %s but still in the ledger', l.line, l.chave, i.state),
         jsonb_build_object('line', l.line, 'state', i.state, 'cancelledAt', i.cancelled_at)
  from reconciliation_ledger l join invoices i on i.tenant_id = $2::uuid and i.chave = l.chave
  where l.run_id = $1::uuid and i.state in ('cancelled', 'denied')
) f
