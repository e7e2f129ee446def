-- Registered cancellation events (cStat 135, 136, 155) cancel their invoices, whichever arrived first.
update invoices i
set state = 'cancelled', cancelled_at = coalesce(e.registered_at, e.occurred_at)
from invoice_events e
where i.tenant_id = $1::uuid and i.chave = any($2::text[])
  and e.tenant_id = i.tenant_id and e.chave = i.chave
  and e.event_type in ('cancellation', 'cancellation_substitution')
  and e.protocol_status in ('135', '136', '155')
  and i.state <> 'cancelled'
