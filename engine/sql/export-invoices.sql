-- CSV columns of the invoices selected by select-invoices (its text is placed where {{invoices}} stands).
select f.chave, f.model, f.series, f.number, f.issued_at, f.issued_date, f.state, f.operation_type,
       f.emitter_cnpj, f.emitter_cpf, f.emitter_name, f.emitter_uf,
       f.recipient_cnpj, f.recipient_cpf, f.recipient_name, f.recipient_uf,
       f.v_prod, f.v_desc, f.v_icms, f.v_st, f.v_ipi, f.v_pis, f.v_cofins, f.v_nf,
       f.protocol_status, f.protocol_number, f.batch_id, f.loaded_at
from ({{invoices}}) f
order by f.id
