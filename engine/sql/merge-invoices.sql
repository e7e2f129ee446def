-- Loads staged invoices; a chave already loaded for the tenant (or twice in the chunk) keeps its first version.
insert into invoices select * from stage_invoices order by document_id on conflict do nothing
