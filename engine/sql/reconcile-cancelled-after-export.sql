-- Invoices of the period whose cancellation arrived after they were first exported: the client must reverse them.
insert into reconciliation_findings (run_id, kind, issuer, model, series, chaves, explanation, details)
select $1::uuid, 'cancelled_after_export', coalesce(i.emitter_cnpj, i.emitter_cpf), i.model, i.series, array[i.chave],
       format('NF-e %s was exported at %s and its cancellation arrived at %s: reverse it', i.chave, i.exported_at, c.loaded_at),
       jsonb_build_object('exportedAt', i.exported_at, 'cancellationArrivedAt', c.loaded_at, 'cancelledAt', i.cancelled_at, 'vNF', i.v_nf)
from invoices i
cross join lateral (
  select min(e.loaded_at) as loaded_at from invoice_events e
  where e.tenant_id = i.tenant_id and e.chave = i.chave and e.event_type in ('cancellation', 'cancellation_substitution')
) c
where i.tenant_id = $2::uuid and i.issued_date between $3::date and $4::date
  and i.state = 'cancelled' and i.exported_at is not null and c.loaded_at > i.exported_at
