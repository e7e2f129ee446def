-- Listing and webhooks: a load-order id on invoices (stable cursors under concurrent inserts),
-- per-tenant webhook secrets, and the webhook outbox with every delivery attempt.

alter table invoices add column id bigint generated always as identity;
create unique index invoices_load_order on invoices (tenant_id, id);
create index invoices_loaded_at on invoices (tenant_id, loaded_at);

-- Shared secret for HMAC-SHA256 signatures of webhook deliveries (244 random bits).
alter table tenants add column webhook_secret text not null
  default replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');

-- One delivery per batch and event type; its id is the event id receivers deduplicate on.
create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id),
  batch_id uuid not null references batches (id),
  event_type text not null,
  url text not null,
  payload jsonb not null,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  unique (batch_id, event_type)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'pending';

create table webhook_attempts (
  id bigint generated always as identity primary key,
  delivery_id uuid not null references webhook_deliveries (id),
  attempted_at timestamptz not null default now(),
  status integer,
  error text,
  duration_ms integer not null
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, id);
