-- CSV rows of the items of the invoices selected by select-invoices ({{invoices}}), CFOP filter applied to items.
select f.chave, f.issued_date, f.state, f.emitter_cnpj, f.recipient_cnpj, f.recipient_cpf,
       t.item_number, t.code, t.gtin, t.description, t.ncm, t.cest, t.cfop, t.unit, t.quantity, t.unit_value,
       t.value, t.discount, t.icms_cst, t.icms_base, t.icms_value, t.ipi_cst, t.ipi_value,
       t.pis_cst, t.pis_value, t.cofins_cst, t.cofins_value, t.total_taxes
from ({{invoices}}) f
join invoice_items t on t.tenant_id = $1::uuid and t.chave = f.chave
where ($9::text is null or t.cfop = $9::text)
order by f.id, t.item_number
