-- A tenant's invoices matching the optional filters, in load order after a cursor id (null limit: all).
select i.id, i.chave, i.kind, i.model, i.series, i.number, i.issued_at, i.issued_date, i.state, i.cancelled_at,
       i.operation_type, i.emitter_cnpj, i.emitter_cpf, i.emitter_name, i.emitter_uf,
       i.recipient_cnpj, i.recipient_cpf, i.recipient_name, i.recipient_uf,
       i.v_prod, i.v_desc, i.v_icms, i.v_st, i.v_ipi, i.v_pis, i.v_cofins, i.v_nf,
       i.protocol_status, i.protocol_number, i.batch_id, i.document_id, i.loaded_at
from invoices i
where i.tenant_id = $1::uuid
  and ($2::text is null or i.emitter_cnpj = $2::text or i.emitter_cpf = $2::text)
  and ($3::text is null or i.recipient_cnpj = $3::text or i.recipient_cpf = $3::text)
  and ($4::smallint is null or i.model = $4::smallint)
  and ($5::integer is null or i.series = $5::integer)
  and ($6::date is null or i.issued_date >= $6::date)
  and ($7::date is null or i.issued_date <= $7::date)
  and ($8::text is null or i.state = $8::text)
  and ($9::text is null or exists (select 1 from invoice_items t where t.tenant_id = i.tenant_id and t.chave = i.chave and t.cfop = $9::text))
  and ($10::uuid is null or i.batch_id = $10::uuid)
  and ($11::timestamptz is null or i.loaded_at >= $11::timestamptz)
  and ($12::timestamptz is null or i.loaded_at < $12::timestamptz)
  and i.id > $13::bigint
order by i.id
limit $14::integer
