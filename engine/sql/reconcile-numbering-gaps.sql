-- Numbering gaps per issuer, model and series between the lowest and highest numbers issued in the period, as ranges.
insert into reconciliation_findings (run_id, kind, issuer, model, series, range_start, range_end, explanation, details)
select $1::uuid, 'numbering_gap', g.issuer, g.model, g.series, g.number + 1, g.next - 1,
       case when g.next - g.number = 2
            then format('number %s of issuer %s, model %s, series %s is missing (between %s and %s)', g.number + 1, g.issuer, g.model, g.series, g.number, g.next)
            else format('%s numbers of issuer %s, model %s, series %s are missing: %s to %s', g.next - g.number - 1, g.issuer, g.model, g.series, g.number + 1, g.next - 1)
       end,
       jsonb_build_object('missing', g.next - g.number - 1, 'after', g.number, 'before', g.next)
from (
  select n.issuer, n.model, n.series, n.number,
         lead(n.number) over (partition by n.issuer, n.model, n.series order by n.number) as next
  from (select distinct coalesce(emitter_cnpj, emitter_cpf) as issuer, model, series, number
        from invoices
        where tenant_id = $2::uuid and issued_date between $3::date and $4::date) n
) g
where g.next > g.number + 1
