-- The most recent runs of every schedule.
select schedule_id, tick, started_at, finished_at, outcome, details
from (select r.*, row_number() over (partition by schedule_id order by tick desc) as k from schedule_runs r) s
where k <= $1::integer
order by schedule_id, tick desc
