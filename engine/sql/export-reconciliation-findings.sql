-- CSV rows of a run's findings ({{run}} is the run id as a literal).
select f.kind, f.issuer, f.model, f.series, f.range_start, f.range_end, array_to_string(f.chaves, ' ') as chaves, f.explanation
from reconciliation_findings f where f.run_id = {{run}} order by f.kind, f.id
