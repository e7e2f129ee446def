-- Records a run's outcome and its report figures.
update reconciliation_runs set state = $2::text, finished_at = now(), summary = $3::jsonb, error = $4::text where id = $1::uuid
