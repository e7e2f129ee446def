-- Marks a run started and clears the findings of an earlier, interrupted attempt.
with cleared as (delete from reconciliation_findings where run_id = $1::uuid)
update reconciliation_runs set state = 'running', started_at = now(), error = null where id = $1::uuid
