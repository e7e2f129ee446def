import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { postZip } from '../ops/testing/upload';
import pg from 'pg';
import { createDb } from '../engine/db';
import { silentLogger } from '../engine/logger';
import { prepareDatabase } from '../engine/migrate';
import { createApiKey, createTenant } from '../engine/tenants/api-keys';
import { generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners } from '../engine/testkit/hostile-documents';
import { zipOf } from '../engine/testkit/pipeline-fixtures';
import { PeakRss, cpuSeconds, postgresCpuSeconds, rssMiB } from '../ops/testing/process-stats';

/**
 * Pipeline benchmark (issue 3): generated documents uploaded as zips straight to one API process,
 * loaded by worker processes, timed from the first byte uploaded to the last verdict committed —
 * once with COPY (the product) and once with row-by-row INSERTs (the reference), in one run.
 * Memory of each process is sampled from /proc while it works.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

interface Stack {
  readonly url: string;
  readonly key: string;
  readonly api: ChildProcess;
  readonly workers: ChildProcess[];
  readonly database: string;
  stop(): Promise<void>;
}

async function startStack(
  label: string,
  loadMode: 'copy' | 'insert',
  workerCount: number,
  port: number,
): Promise<Stack> {
  const database = `nfe_bench_${label}_${Date.now().toString(36)}`;
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl(database),
    QUEUE_PREFIX: `nfebench_${database}`,
    LOG_LEVEL: 'warn',
    LOAD_MODE: loadMode,
    API_PORT: String(port),
    RATE_LIMIT_PER_MINUTE: '0',
    SWEEP_GRACE_MS: '600000',
  };
  await prepareDatabase(env.DATABASE_URL, silentLogger);
  const db = createDb({
    databaseUrl: env.DATABASE_URL,
    applicationName: 'bench',
    poolSize: 2,
    logger: silentLogger,
  });
  const key = await createApiKey(db, await createTenant(db, 'bench'));
  await db.close();
  const spawnNode = (file: string): ChildProcess =>
    spawn(process.execPath, [path.join(ROOT, 'dist', file)], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const api = spawnNode('api/main.js');
  const workers = Array.from({ length: workerCount }, () => spawnNode('engine/main.js'));
  const url = `http://127.0.0.1:${port}`;
  for (let k = 0; ; k++) {
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (k > 100) throw new Error('the API did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    key,
    api,
    workers,
    database,
    async stop() {
      const all = [api, ...workers];
      for (const p of all) p.kill('SIGTERM');
      await Promise.all(
        all.map((p) =>
          p.exitCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)),
        ),
      );
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
      await admin.end();
    },
  };
}

async function upload(stack: Stack, zip: Buffer): Promise<string> {
  const res = await postZip(stack.url, stack.key, zip);
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function lastVerdict(database: string, documents: number): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    for (;;) {
      const r = await client.query<{ decided: number; last: Date | null }>(
        'select count(*) filter (where verdict is not null)::int as decided, max(processed_at) as last from documents',
      );
      if (r.rows[0].decided >= documents) return (r.rows[0].last as Date).getTime();
      await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    await client.end();
  }
}

interface RunResult {
  readonly mode: string;
  readonly documents: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly peaks: Map<string, number>;
  /** CPU seconds per process over the run (postgres: all its processes). */
  readonly cpu: Map<string, number>;
}

async function run(
  mode: 'copy' | 'insert',
  zips: readonly Buffer[],
  documents: number,
  workerCount: number,
  port: number,
  uploaders: number,
): Promise<RunResult> {
  const stack = await startStack(mode, mode, workerCount, port);
  const named: [string, ChildProcess][] = [
    ['api', stack.api],
    ...stack.workers.map((w, k): [string, ChildProcess] => [`worker${k + 1}`, w]),
  ];
  const sampler = new PeakRss(() => named.map(([n, p]) => [n, p.pid]), 50);
  try {
    const cpuBefore = new Map(named.map(([n, p]) => [n, cpuSeconds(p.pid as number)]));
    const pgBefore = postgresCpuSeconds();
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: uploaders }, async () => {
        while (next < zips.length) await upload(stack, zips[next++]);
      }),
    );
    const end = await lastVerdict(stack.database, documents);
    const seconds = (end - t0) / 1000;
    const cpu = new Map(
      named.map(([n, p]) => [n, cpuSeconds(p.pid as number) - (cpuBefore.get(n) ?? 0)]),
    );
    cpu.set('postgres', postgresCpuSeconds() - pgBefore);
    return { mode, documents, seconds, perSecond: documents / seconds, peaks: sampler.stop(), cpu };
  } finally {
    sampler.stop();
    await stack.stop();
  }
}

/** API memory while it receives one large zip (stored entries, ~200 MB). */
async function largeUpload(
  zip: Buffer,
  port: number,
): Promise<{ mib: number; peak: number; seconds: number }> {
  const stack = await startStack('large', 'copy', 0, port);
  const baseline = rssMiB(stack.api.pid as number);
  const sampler = new PeakRss(() => [['api', stack.api.pid]], 50);
  try {
    const t0 = Date.now();
    await upload(stack, zip);
    const seconds = (Date.now() - t0) / 1000;
    const peak = sampler.stop().get('api') ?? 0;
    return { mib: zip.length / 1024 / 1024, peak: Math.max(peak, baseline), seconds };
  } finally {
    sampler.stop();
    await stack.stop();
  }
}

export async function pipelineBench(documents: number, workerCount: number): Promise<void> {
  const signers = createSigners();
  const perZip = 1000;
  const docs: Buffer[] = [];
  for (let k = 0; k < documents; k++)
    docs.push(
      generateInvoice(signers.main, { seed: 100_000 + k, model: k % 4 === 0 ? 65 : 55 }).bytes,
    );
  const zips: Buffer[] = [];
  for (let k = 0; k < docs.length; k += perZip)
    zips.push(
      await zipOf(docs.slice(k, k + perZip).map((b, j): [string, Buffer] => [`${k + j}.xml`, b])),
    );
  const zipBytes = zips.reduce((s, z) => s + z.length, 0);
  console.log(
    `pipeline: ${documents} documents in ${zips.length} zips of ${perZip} (${(zipBytes / 1024 / 1024).toFixed(1)} MiB compressed), 1 API process, ${workerCount} worker process(es), 2 concurrent uploaders`,
  );

  const copy = await run('copy', zips, documents, workerCount, 18_400, 2);
  const insert = await run('insert', zips, documents, workerCount, 18_401, 2);
  const big = await zipOf(
    docs.map((b, k): [string, Buffer] => [`${k}.xml`, b]),
    false,
  );
  const large = await largeUpload(big, 18_402);

  const fmt = (r: RunResult): string =>
    `${r.mode.padEnd(30)} ${r.seconds.toFixed(1).padStart(7)} s ${r.perSecond.toFixed(0).padStart(8)} docs/s\n    peak RSS: ${[...r.peaks.entries()].map(([n, v]) => `${n} ${v.toFixed(0)} MiB`).join(', ')}\n    CPU s:    ${[...r.cpu.entries()].map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ')}`;
  console.log(`\n${'load mode'.padEnd(28)} ${'first byte → last verdict'}`);
  console.log(fmt({ ...copy, mode: 'COPY + merge (product)' }));
  console.log(fmt({ ...insert, mode: 'row-by-row INSERT (reference)' }));
  console.log(
    `\nend to end: ${copy.perSecond.toFixed(0)} docs/s (target ≥ 800), ${(copy.perSecond / insert.perSecond).toFixed(1)}× the row-by-row reference (target ≥ 5×)`,
  );
  const workerPeak = Math.max(
    ...[...copy.peaks.entries()].filter(([n]) => n.startsWith('worker')).map(([, v]) => v),
  );
  console.log(`worker peak RSS: ${workerPeak.toFixed(0)} MiB (target < 300)`);
  console.log(
    `API peak RSS receiving a ${large.mib.toFixed(0)} MiB zip: ${large.peak.toFixed(0)} MiB (target < 200), stored in ${large.seconds.toFixed(1)} s`,
  );
}
