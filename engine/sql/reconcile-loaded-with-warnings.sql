-- Invoices of the period loaded with a warning: no SEFAZ protocol, or a certificate outside its validity when signed.
insert into reconciliation_findings (run_id, kind, issuer, model, series, chaves, explanation, details)
select $1::uuid, w.kind, coalesce(i.emitter_cnpj, i.emitter_cpf), i.model, i.series, array[i.chave], w.explanation,
       jsonb_build_object('number', i.number, 'issuedDate', i.issued_date)
from invoices i
cross join lateral (
  select 'no_protocol' as kind, format('NF-e %s was loaded without its SEFAZ authorization protocol (bare NFe): it is not proven authorized', i.chave) as explanation
  where i.state = 'unknown'
  union all
  select 'certificate_not_valid_at_signing', format('NF-e %s was signed with a certificate outside its validity on %s', i.chave, i.issued_date)
  where i.cert_valid_at_signing = false
) w
where i.tenant_id = $2::uuid and i.issued_date between $3::date and $4::date
