-- A duplicate that carries the SEFAZ protocol completes an invoice first loaded without one.
update invoices i
set protocol_status = s.protocol_status,
    protocol_reason = s.protocol_reason,
    protocol_number = s.protocol_number,
    protocol_received_at = s.protocol_received_at,
    state = case when i.state = 'cancelled' then i.state else s.state end
from stage_invoices s
where i.tenant_id = s.tenant_id and i.chave = s.chave and i.digest_value = s.digest_value
  and i.protocol_status is null and s.protocol_status is not null
