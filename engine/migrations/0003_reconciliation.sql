-- Reconciliation runs, their findings and the client's ledger; a record of every scheduled run;
-- when an invoice was first exported; when a rejected payload was purged by retention.

alter table invoices add column exported_at timestamptz;
alter table documents add column purged_at timestamptz;

-- One row per schedule tick: the unique key makes a tick run once, however many schedulers or
-- duplicated jobs ask for it.
create table schedule_runs (
  id bigint generated always as identity primary key,
  schedule_id text not null,
  tick timestamptz not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  outcome text check (outcome in ('ok', 'failed')),
  details jsonb,
  unique (schedule_id, tick)
);
create index schedule_runs_recent on schedule_runs (schedule_id, tick desc);

create table reconciliation_runs (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id),
  period_start date not null,
  period_end date not null,
  trigger text not null check (trigger in ('schedule', 'api')),
  schedule_tick timestamptz,
  has_ledger boolean not null default false,
  state text not null default 'queued' check (state in ('queued', 'running', 'completed', 'failed')),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  error text,
  summary jsonb,
  check (period_end >= period_start)
);
create unique index reconciliation_runs_tick on reconciliation_runs (tenant_id, schedule_tick) where schedule_tick is not null;
create index reconciliation_runs_tenant on reconciliation_runs (tenant_id, created_at desc);

create table reconciliation_ledger (
  run_id uuid not null references reconciliation_runs (id) on delete cascade,
  line integer not null,
  chave text not null,
  issued_date date not null,
  total numeric not null,
  primary key (run_id, line)
);
create index reconciliation_ledger_chave on reconciliation_ledger (run_id, chave);

create table reconciliation_findings (
  id bigint generated always as identity primary key,
  run_id uuid not null references reconciliation_runs (id) on delete cascade,
  kind text not null,
  issuer text,
  model smallint,
  series integer,
  range_start bigint,
  range_end bigint,
  chaves text[] not null default '{}',
  explanation text not null,
  details jsonb
);
create index reconciliation_findings_run on reconciliation_findings (run_id, kind, id);
