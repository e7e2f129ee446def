-- The report's figures: findings per kind, documents received, and invoices of the period by state and by CFOP.
select jsonb_build_object(
  'findings', coalesce((select jsonb_object_agg(kind, n) from (select kind, count(*) as n from reconciliation_findings where run_id = $1::uuid group by kind) k), '{}'),
  'documents', coalesce((select jsonb_object_agg(coalesce(verdict, 'pending'), n) from (select verdict, count(*) as n from documents where tenant_id = $2::uuid and received_at::date between $3::date and $4::date group by verdict) v), '{}'),
  'invoices', (select jsonb_build_object('count', count(*), 'vNF', coalesce(sum(v_nf), 0)::text) from invoices where tenant_id = $2::uuid and issued_date between $3::date and $4::date),
  'byState', coalesce((select jsonb_object_agg(state, jsonb_build_object('count', n, 'vNF', total::text)) from (select state, count(*) as n, sum(v_nf) as total from invoices where tenant_id = $2::uuid and issued_date between $3::date and $4::date group by state) s), '{}'),
  'byCfop', coalesce((select jsonb_object_agg(cfop, jsonb_build_object('items', n, 'value', total::text)) from (
      select t.cfop, count(*) as n, sum(t.value) as total
      from invoices i join invoice_items t on t.tenant_id = i.tenant_id and t.chave = i.chave
      where i.tenant_id = $2::uuid and i.issued_date between $3::date and $4::date and i.state <> 'cancelled'
      group by t.cfop) c), '{}')
) as summary
