-- Per-session staging table for the verdicts of one chunk (emptied at commit).
create temp table if not exists stage_documents (
  id bigint primary key,
  target text,
  verdict text,
  code text,
  message text,
  kind text,
  chave text,
  digest text,
  tp_evento text,
  sequence smallint
) on commit delete rows
