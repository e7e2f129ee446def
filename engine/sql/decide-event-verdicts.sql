-- Same rule for events, keyed by chave, event type and sequence.
update stage_documents s
set verdict = case when e.document_id = s.id then 'loaded' when e.digest_value = s.digest then 'duplicate' else 'conflict' end,
    message = case
      when e.document_id = s.id then null
      when e.digest_value = s.digest then 'already loaded from document ' || e.document_id
      else 'event already loaded from document ' || e.document_id || ' with different signed content; both are kept'
    end
from invoice_events e
where s.target = 'event' and e.tenant_id = $1::uuid and e.chave = s.chave and e.tp_evento = s.tp_evento and e.sequence = s.sequence
