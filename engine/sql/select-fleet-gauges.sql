-- What the scheduler exports about the whole system (one row): documents waiting for a verdict,
-- the webhook backlog and its oldest due delivery, and when the last nightly reconciliation
-- finished with every tenant's run completed (null: never).
select
  (select count(*) from documents where verdict is null) as documents_pending,
  (select count(*) from webhook_deliveries where state = 'pending') as webhooks_pending,
  (select extract(epoch from now() - min(next_attempt_at))
     from webhook_deliveries where state = 'pending' and next_attempt_at <= now()) as webhook_oldest_due_seconds,
  (select extract(epoch from max(coalesce(
       (select max(r.finished_at) from reconciliation_runs r where r.schedule_tick = s.tick),
       s.finished_at)))
     from schedule_runs s
     where s.schedule_id = 'nightly-reconciliation' and s.outcome = 'ok'
       and not exists (select 1 from reconciliation_runs r where r.schedule_tick = s.tick and r.state <> 'completed')
  ) as reconciliation_last_success
