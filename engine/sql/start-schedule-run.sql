-- Records the start of a scheduled run; returns nothing when this tick already ran (once per tick).
insert into schedule_runs (schedule_id, tick) values ($1::text, $2::timestamptz)
on conflict (schedule_id, tick) do nothing
returning id
