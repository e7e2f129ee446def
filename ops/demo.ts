import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createDb, createLogger, silentLogger } from '../engine/index';
import { createApiKey, createTenant } from '../engine/tenants/api-keys';
import { REPO_ROOT, StartError, startSystemInForeground, systemOptions } from './system';

/**
 * `npm run demo`: brings the system up (as `npm start`), creates a demo tenant and key, uploads the
 * bundled samples through Nginx, waits for every verdict, and prints what happened and where to
 * look next. It keeps running until Ctrl-C; DEMO_EXIT=1 stops it after the report (used by tests).
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SAMPLES = path.join(REPO_ROOT, 'samples');

function sampleFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.xml$/i.test(e.name)) out.push(full);
    }
  };
  walk(SAMPLES);
  return out;
}

async function main(): Promise<void> {
  process.stdout.on('error', () => undefined); // a reader that went away is not a reason to stop
  // The report goes to stdout; the processes log warnings and errors only, unless LOG_LEVEL says more.
  const env = { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const logger = createLogger('supervisor', env.LOG_LEVEL, 2);
  const print = (line = ''): void => void process.stdout.write(`${line}\n`);
  const options = systemOptions(env);
  print(
    'Starting nfe-ingest: PostgreSQL and Redis checks, migrations, 3 APIs, workers, scheduler, Nginx …',
  );
  const system = await startSystemInForeground(options, logger);
  const stopAndExit = async (code: number): Promise<never> => {
    await system.stop();
    process.exit(code);
  };

  const db = createDb({
    databaseUrl: options.databaseUrl,
    applicationName: 'nfe-ingest-demo',
    poolSize: 1,
    logger: silentLogger,
  });
  const tenantId = await createTenant(db, `Demo ${new Date().toISOString()}`);
  const key = await createApiKey(db, tenantId);
  await db.close();
  const auth = { Authorization: `Bearer ${key}` };
  print(`Up at ${system.url}. Demo tenant ${tenantId} created with a new API key.`);

  const t0 = Date.now();
  const uploads: { label: string; res: Response }[] = [];
  const zip = readFileSync(path.join(SAMPLES, 'batch-of-20.zip'));
  uploads.push({
    label: 'samples/batch-of-20.zip',
    res: await fetch(`${system.url}/v1/batches?clientReference=demo-zip`, {
      method: 'POST',
      headers: {
        ...auth,
        'Content-Type': 'application/zip',
        'Idempotency-Key': `demo-zip-${tenantId}`,
      },
      body: new Uint8Array(zip),
    }),
  });
  const form = new FormData();
  const files = sampleFiles();
  for (const f of files)
    form.append('file', new Blob([new Uint8Array(readFileSync(f))]), path.relative(SAMPLES, f));
  uploads.push({
    label: `samples/**/*.xml (${files.length} files)`,
    res: await fetch(`${system.url}/v1/batches?clientReference=demo-files`, {
      method: 'POST',
      headers: { ...auth, 'Idempotency-Key': `demo-files-${tenantId}` },
      body: form,
    }),
  });

  const batches: Json[] = [];
  for (const u of uploads) {
    const body = (await u.res.json()) as Json;
    if (u.res.status !== 202) {
      print(`Upload of ${u.label} failed: ${u.res.status} ${JSON.stringify(body)}`);
      return stopAndExit(1);
    }
    batches.push({ ...body, label: u.label });
  }
  const deadline = Date.now() + 120_000;
  for (const b of batches) {
    for (;;) {
      const state = (await (
        await fetch(`${system.url}/v1/batches/${b.id}`, { headers: auth })
      ).json()) as Json;
      Object.assign(b, state);
      if (state.state === 'completed') break;
      if (Date.now() > deadline) {
        print(`Batch ${b.id} did not complete in time: ${JSON.stringify(state.counts)}`);
        return stopAndExit(1);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const seconds = (Date.now() - t0) / 1000;

  print('');
  let total = 0;
  let accounted = 0;
  for (const b of batches) {
    const c = b.counts as Json;
    total += b.documents as number;
    accounted += c.loaded + c.duplicate + c.conflict + c.rejected;
    print(`Batch ${b.id}  (${b.label})`);
    print(
      `  ${b.documents} documents: ${c.loaded} loaded, ${c.duplicate} duplicate, ${c.conflict} conflict, ${c.rejected} rejected${b.skippedEntries ? ` (${b.skippedEntries} non-XML entries skipped)` : ''}`,
    );
    const rejected = (await (
      await fetch(`${system.url}/v1/batches/${b.id}/documents?verdict=rejected&limit=1000`, {
        headers: auth,
      })
    ).json()) as Json;
    for (const d of rejected.data as Json[])
      print(`    rejected ${d.name}: ${d.code} — ${String(d.message).slice(0, 110)}`);
    const duplicates = (await (
      await fetch(`${system.url}/v1/batches/${b.id}/documents?verdict=duplicate&limit=1000`, {
        headers: auth,
      })
    ).json()) as Json;
    for (const d of duplicates.data as Json[]) print(`    duplicate ${d.name}: ${d.message}`);
  }
  print('');
  print(
    `${accounted} of ${total} documents have a verdict, in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} documents/s from first byte to last verdict).`,
  );
  print('');
  print('Where to look next:');
  for (const b of batches)
    print(
      `  batch status     curl -H "Authorization: Bearer ${key}" ${system.url}/v1/batches/${b.id}`,
    );
  print(
    `  an invoice       curl -H "Authorization: Bearer ${key}" ${system.url}/v1/batches/${batches[0].id}/documents   (then /v1/nfe/<chave>)`,
  );
  print(`  API docs         ${system.url}/docs/`);
  print(`  metrics          ${system.metricsUrls.join('  ')}`);
  print(
    `  processes        ${path.join(options.runtimeDir, 'processes.json')}; Nginx access log ${path.join(options.runtimeDir, 'nginx', 'access.log')}`,
  );

  const complete = accounted === total;
  if (!complete)
    print(`NOT every document was accounted for (${total - accounted} without a verdict).`);
  if (process.env.DEMO_EXIT === '1') return stopAndExit(complete ? 0 : 1);
  print('');
  print('nfe-ingest keeps running; Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `demo: ${err instanceof StartError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
