-- Registered cancellations of the period whose invoice has not arrived after the grace period ($5 hours).
insert into reconciliation_findings (run_id, kind, chaves, explanation, details)
select $1::uuid, 'cancellation_without_invoice', array[e.chave],
       format('cancellation of %s (protocol %s) arrived %s but its invoice has not', e.chave, e.protocol_number, e.loaded_at),
       jsonb_build_object('tpEvento', e.tp_evento, 'occurredAt', e.occurred_at, 'loadedAt', e.loaded_at)
from invoice_events e
where e.tenant_id = $2::uuid
  and e.event_type in ('cancellation', 'cancellation_substitution')
  and e.occurred_at::date between $3::date and $4::date
  and e.loaded_at < now() - make_interval(hours => $5::integer)
  and not exists (select 1 from invoices i where i.tenant_id = e.tenant_id and i.chave = e.chave)
