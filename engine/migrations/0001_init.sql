-- Initial schema: tenants and keys, batches and the exact bytes received, parsed invoices, items, events.
-- Append-only: later changes go in new numbered files.

create table tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  callback_url text,
  created_at timestamptz not null default now()
);

-- Only a SHA-256 of each key is stored; the prefix identifies a key in logs and lists.
create table api_keys (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id),
  key_hash bytea not null unique,
  key_prefix text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index api_keys_tenant on api_keys (tenant_id);

create table batches (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id),
  idempotency_key text,
  -- Identifies the documents received (names with SHA-256 or zip size and CRC-32): "same body" for Idempotency-Key.
  fingerprint bytea,
  client_reference text,
  callback_url text,
  request_id text,
  received_at timestamptz not null default now(),
  state text not null default 'processing' check (state in ('processing', 'completed')),
  document_count integer not null default 0,
  skipped_count integer not null default 0,
  loaded_count integer not null default 0,
  duplicate_count integer not null default 0,
  conflict_count integer not null default 0,
  rejected_count integer not null default 0,
  completed_at timestamptz,
  unique (tenant_id, idempotency_key)
);
create index batches_tenant_received on batches (tenant_id, received_at desc);
create index batches_open on batches (received_at) where state <> 'completed';

-- Every document received, byte for byte, and its verdict (null until a worker decides).
create table documents (
  id bigint generated always as identity primary key,
  batch_id uuid not null references batches (id),
  tenant_id uuid not null references tenants (id),
  seq integer not null,
  chunk integer not null,
  entry_name text,
  content bytea not null,
  sha256 bytea not null,
  size integer not null,
  received_at timestamptz not null default now(),
  verdict text check (verdict in ('loaded', 'duplicate', 'conflict', 'rejected')),
  code text,
  message text,
  kind text,
  chave text,
  processed_at timestamptz,
  unique (batch_id, seq)
);
alter table documents alter column content set storage external;
create index documents_pending on documents (batch_id, chunk) where verdict is null;
create index documents_batch_verdict on documents (batch_id, verdict, id);
create index documents_tenant_chave on documents (tenant_id, chave) where chave is not null;

-- One row per tenant and chave: the first signed version loaded. A different signed version of the
-- same chave is kept as a document with verdict 'conflict'.
create table invoices (
  tenant_id uuid not null references tenants (id),
  chave text not null,
  document_id bigint not null references documents (id),
  batch_id uuid not null references batches (id),
  kind text not null,
  layout_version text,
  model smallint not null,
  series integer not null,
  number bigint not null,
  issued_at timestamptz not null,
  -- The issue date as the issuer wrote it (Brazilian local date): what periods are reckoned in.
  issued_date date not null,
  operation_type text,
  operation_nature text,
  environment text,
  emission_type text,
  purpose text,
  uf_code text,
  emitter_cnpj text,
  emitter_cpf text,
  emitter_name text,
  emitter_ie text,
  emitter_uf text,
  emitter_city_code text,
  emitter_city text,
  recipient_cnpj text,
  recipient_cpf text,
  recipient_foreign_id text,
  recipient_name text,
  recipient_ie text,
  recipient_uf text,
  recipient_city_code text,
  recipient_city text,
  v_prod numeric not null,
  v_desc numeric,
  v_frete numeric,
  v_seg numeric,
  v_outro numeric,
  v_bc numeric,
  v_icms numeric,
  v_st numeric,
  v_ipi numeric,
  v_pis numeric,
  v_cofins numeric,
  v_tot_trib numeric,
  v_nf numeric not null,
  totals jsonb not null,
  payments jsonb not null,
  installments jsonb not null,
  protocol_status text,
  protocol_reason text,
  protocol_number text,
  protocol_received_at timestamptz,
  state text not null check (state in ('authorized', 'cancelled', 'denied', 'unknown')),
  cancelled_at timestamptz,
  digest_algorithm text not null,
  digest_value text not null,
  cert_cnpj text,
  cert_serial text,
  cert_not_before timestamptz,
  cert_not_after timestamptz,
  cert_valid_at_signing boolean,
  extra jsonb,
  loaded_at timestamptz not null default now(),
  primary key (tenant_id, chave)
);
create index invoices_emitter on invoices (tenant_id, emitter_cnpj, issued_date);
create index invoices_recipient on invoices (tenant_id, recipient_cnpj, issued_date);
create index invoices_period on invoices (tenant_id, issued_date);
create index invoices_state on invoices (tenant_id, state, issued_date);
create index invoices_batch on invoices (batch_id);
create index invoices_numbering on invoices (tenant_id, emitter_cnpj, model, series, number);

create table invoice_items (
  tenant_id uuid not null,
  chave text not null,
  item_number smallint not null,
  document_id bigint not null,
  code text,
  gtin text,
  description text,
  ncm text,
  cest text,
  cfop text,
  unit text,
  quantity numeric,
  unit_value numeric,
  value numeric,
  counts_in_total boolean not null,
  discount numeric,
  freight numeric,
  insurance numeric,
  other_charges numeric,
  icms_cst text,
  icms_base numeric,
  icms_rate numeric,
  icms_value numeric,
  ipi_cst text,
  ipi_value numeric,
  pis_cst text,
  pis_value numeric,
  cofins_cst text,
  cofins_value numeric,
  total_taxes numeric,
  taxes jsonb not null,
  extra jsonb,
  primary key (tenant_id, chave, item_number),
  foreign key (tenant_id, chave) references invoices (tenant_id, chave)
);
create index invoice_items_cfop on invoice_items (tenant_id, cfop);

-- Events are kept whether or not their invoice has arrived: a cancellation that comes first is
-- applied when the invoice is loaded.
create table invoice_events (
  tenant_id uuid not null references tenants (id),
  chave text not null,
  tp_evento text not null,
  sequence smallint not null,
  event_type text not null,
  document_id bigint not null references documents (id),
  batch_id uuid not null references batches (id),
  description text,
  occurred_at timestamptz not null,
  author_cnpj text,
  author_cpf text,
  cancelled_protocol text,
  justification text,
  correction text,
  substitute_chave text,
  protocol_status text,
  protocol_number text,
  registered_at timestamptz,
  digest_value text not null,
  extra jsonb,
  loaded_at timestamptz not null default now(),
  primary key (tenant_id, chave, tp_evento, sequence)
);
