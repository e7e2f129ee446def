import pg from 'pg';
import { createDb } from '../engine/db';
import { silentLogger } from '../engine/logger';
import { prepareDatabase } from '../engine/migrate';
import { createTenant } from '../engine/tenants/api-keys';
import { runReconciliation } from '../engine/reconcile/run-reconciliation';
import { placeholderDocument } from './seed-rows';

/**
 * Reconciliation benchmark (issue 6): one tenant-month of 1,000,000 invoices (2 items each, a few
 * issuers and series, numbering gaps, cancellations) and a ledger of 1,000,000 lines with
 * differences, reconciled by one run.
 */
const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function reconcileBench(invoices: number): Promise<void> {
  const database = `nfe_bench_reconcile_${Date.now().toString(36)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  await prepareDatabase(url.toString(), silentLogger);
  const db = createDb({
    databaseUrl: url.toString(),
    applicationName: 'bench',
    poolSize: 2,
    logger: silentLogger,
  });
  try {
    const tenantId = await createTenant(db, 'reconcile bench');
    const t0 = Date.now();
    const { batch, doc } = await placeholderDocument(db, tenantId);
    // Four issuers × two series; every 1,000th number missing; one in 500 cancelled.
    await db.queryText(
      `insert into invoices (tenant_id, chave, document_id, batch_id, kind, model, series, number, issued_at, issued_date,
         emitter_cnpj, emitter_name, v_prod, v_nf, totals, payments, installments, state, cancelled_at, digest_algorithm, digest_value, cert_valid_at_signing)
       select $1, lpad(g::text, 44, '0'), $2, $3, 'nfe', 55, 1 + (g % 2), g / 8 + (g / 8000), '2026-08-01'::timestamptz + (g % 31) * interval '1 day',
         date '2026-08-01' + (g % 31), '1122233300' || lpad((g % 4)::text, 4, '0'), 'EMITENTE', 100 + g % 900, 100 + g % 900, '{}', '[]', '[]',
         case when g % 500 = 0 then 'cancelled' else 'authorized' end, case when g % 500 = 0 then now() end, 'sha1', 'x', true
       from generate_series(1, $4::integer) g`,
      [tenantId, doc, batch, invoices],
    );
    await db.queryText(
      `insert into invoice_items (tenant_id, chave, item_number, document_id, code, description, cfop, value, counts_in_total, taxes)
       select $1, lpad(g::text, 44, '0'), k, $2, 'P', 'PRODUTO', case when k = 1 then '5102' else '6102' end, 50, true, '{}'
       from generate_series(1, $3::integer) g, generate_series(1, 2) k`,
      [tenantId, doc, invoices],
    );
    const run = (
      await db.queryText<{ id: string }>(
        "insert into reconciliation_runs (tenant_id, period_start, period_end, trigger, has_ledger) values ($1, '2026-08-01', '2026-08-31', 'api', true) returning id",
        [tenantId],
      )
    ).rows[0].id;
    // The ledger: every invoice but one in 1,000 (unexpected); one in 997 with another value; 1,000 lines never received.
    await db.queryText(
      `insert into reconciliation_ledger (run_id, line, chave, issued_date, total)
       select $1::uuid, g, lpad(g::text, 44, '0'), date '2026-08-01' + (g % 31), 100 + g % 900 + case when g % 997 = 0 then 1 else 0 end
       from generate_series(1, $2::integer) g where g % 1000 <> 1
       union all
       select $1::uuid, $2 + g, lpad(($2 + g)::text, 44, '0'), date '2026-08-15', 10 from generate_series(1, 1000) g`,
      [run, invoices],
    );
    await db.queryText('analyze');
    console.log(
      `reconcile: ${invoices} invoices, ${invoices * 2} items and a ${invoices}-line ledger loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const t1 = Date.now();
    await runReconciliation(db, run, { stuckMinutes: 30, cancellationGraceHours: 24 });
    const seconds = (Date.now() - t1) / 1000;
    const summary = (
      await db.queryText<{ summary: { findings: Record<string, number> } }>(
        'select summary from reconciliation_runs where id = $1',
        [run],
      )
    ).rows[0].summary;
    console.log(
      `reconcile: one tenant-month of ${invoices} invoices reconciled in ${seconds.toFixed(1)} s (target < 60 s); findings ${JSON.stringify(summary.findings)}`,
    );
  } finally {
    await db.close();
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
    await admin.end();
  }
}
