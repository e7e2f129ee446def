-- The exact bytes of the document an invoice was loaded from.
select d.content from invoices i join documents d on d.id = i.document_id where i.tenant_id = $1::uuid and i.chave = $2::text
