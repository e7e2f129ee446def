-- Records how a scheduled run ended.
update schedule_runs set finished_at = now(), outcome = $2::text, details = $3::jsonb where id = $1::bigint
