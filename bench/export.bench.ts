import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../engine/db';
import { silentLogger } from '../engine/logger';
import { prepareDatabase } from '../engine/migrate';
import { createApiKey, createTenant } from '../engine/tenants/api-keys';
import { rssMiB } from '../ops/testing/process-stats';
import { placeholderDocument } from './seed-rows';

/**
 * Export benchmark (issue 5): a 1,000,000-row items CSV streamed from PostgreSQL (COPY … TO
 * STDOUT) through one API process, with the API's RSS sampled while it streams.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function exportBench(invoices: number, itemsPerInvoice: number): Promise<void> {
  const database = `nfe_bench_export_${Date.now().toString(36)}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  await prepareDatabase(url.toString(), silentLogger);
  const db = createDb({
    databaseUrl: url.toString(),
    applicationName: 'bench',
    poolSize: 2,
    logger: silentLogger,
  });
  const tenantId = await createTenant(db, 'export bench');
  const key = await createApiKey(db, tenantId);
  const t0 = Date.now();
  const { batch, doc } = await placeholderDocument(db, tenantId);
  await db.queryText(
    `insert into invoices (tenant_id, chave, document_id, batch_id, kind, model, series, number, issued_at, issued_date, emitter_cnpj, emitter_name,
       recipient_cnpj, recipient_name, v_prod, v_nf, totals, payments, installments, state, digest_algorithm, digest_value)
     select $1, lpad(g::text, 44, '0'), $2, $3, 'nfe', 55, 1, g, now(), current_date, '11222333000181', 'EMPRESA "TESTE", LTDA',
       '44555666000100', 'CLIENTE', 100.00, 100.00, '{}', '[]', '[]', 'authorized', 'sha1', 'x'
     from generate_series(1, $4::integer) g`,
    [tenantId, doc, batch, invoices],
  );
  await db.queryText(
    `insert into invoice_items (tenant_id, chave, item_number, document_id, code, description, ncm, cfop, unit, quantity, unit_value, value, counts_in_total, taxes)
     select $1, lpad(g::text, 44, '0'), k, $2, 'P' || k, 'PRODUTO ' || k || ', "ESPECIAL"', '84713012', '5102', 'UN', 1, 10.00, 10.00, true, '{}'
     from generate_series(1, $3::integer) g, generate_series(1, $4::integer) k`,
    [tenantId, doc, invoices, itemsPerInvoice],
  );
  await db.close();
  console.log(
    `export: ${invoices} invoices and ${invoices * itemsPerInvoice} items loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  const port = 18_500;
  const api: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist', 'api', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      API_PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      QUEUE_PREFIX: database,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (let k = 0; ; k++) {
      if ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok) break;
      if (k > 100) throw new Error('API did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const route of ['/v1/items/export.csv', '/v1/nfe/export.csv']) {
      const baseline = rssMiB(api.pid as number);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(api.pid as number))), 50);
      const start = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}${route}`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      let bytes = 0;
      let lines = 0;
      const marks: string[] = [];
      let nextMark = 200_000;
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (let k = 0; k < chunk.length; k++) if (chunk[k] === 0x0a) lines++;
        if (lines >= nextMark) {
          marks.push(`${nextMark / 1000}k: ${rssMiB(api.pid as number).toFixed(0)}`);
          nextMark += 200_000;
        }
      }
      clearInterval(sampler);
      const seconds = (Date.now() - start) / 1000;
      console.log(
        `export ${route}: ${lines - 1} rows, ${(bytes / 1048576).toFixed(0)} MiB in ${seconds.toFixed(1)} s (${((lines - 1) / seconds).toFixed(0)} rows/s); API RSS ${baseline.toFixed(0)} MiB before, ${peak.toFixed(0)} MiB peak while streaming${marks.length ? ` (MiB at rows ${marks.join(', ')})` : ''}`,
      );
    }
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
    await admin.end();
  }
}
