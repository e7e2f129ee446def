-- loaded when this document's row won the chave; duplicate when the winner has the same signed digest; conflict otherwise.
update stage_documents s
set verdict = case when i.document_id = s.id then 'loaded' when i.digest_value = s.digest then 'duplicate' else 'conflict' end,
    message = case
      when i.document_id = s.id then null
      when i.digest_value = s.digest then 'already loaded from document ' || i.document_id
      else 'chave already loaded from document ' || i.document_id || ' with different signed content; both are kept'
    end
from invoices i
where s.target = 'invoice' and i.tenant_id = $1::uuid and i.chave = s.chave
