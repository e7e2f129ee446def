-- Loads staged events; an event already loaded (same chave, type and sequence) keeps its first version.
insert into invoice_events select * from stage_events order by document_id on conflict do nothing
