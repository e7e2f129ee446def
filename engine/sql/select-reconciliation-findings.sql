-- The findings of a run, by kind, at most $2.
select * from reconciliation_findings where run_id = $1::uuid order by kind, id limit $2::integer
