-- Loads the items of the staged invoices that won their chave.
insert into invoice_items
select s.* from stage_items s
join invoices i on i.tenant_id = s.tenant_id and i.chave = s.chave and i.document_id = s.document_id
on conflict do nothing
