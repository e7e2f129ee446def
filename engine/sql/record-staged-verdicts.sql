-- Writes each staged verdict once: a document that already has one keeps it.
update documents d
set verdict = s.verdict, code = s.code, message = s.message, kind = s.kind, chave = s.chave, processed_at = now()
from stage_documents s
where d.id = s.id and d.verdict is null
returning d.id::text as id, d.verdict, d.code, d.chave
