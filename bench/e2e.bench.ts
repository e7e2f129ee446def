import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
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
import { freePorts } from '../ops/testing/native-stack';
import { PeakRss, cpuSeconds, postgresCpuSeconds } from '../ops/testing/process-stats';

/**
 * End-to-end benchmark (issue 8): the whole native topology as `npm start` runs it — Nginx, three
 * APIs, the workers, the scheduler, PostgreSQL and Redis on this machine — fed through Nginx by
 * several concurrent clients uploading zips, while another client reads batch statuses. Timed
 * from the first byte uploaded to the last verdict committed. Every figure is measured from the
 * outside, as an operator would: HTTP timings, /proc for memory and CPU, PostgreSQL for verdicts.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const ADMIN_URL =
  process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CACHE = path.join(ROOT, '.tmp', 'bench-e2e');

export interface E2EOptions {
  readonly label: string;
  readonly documents: number;
  /** Items per document; undefined: the generator's 6 to 10. */
  readonly items?: number;
  readonly loadMode: 'copy' | 'reference';
  readonly clients: number;
  readonly documentsPerZip: number;
  readonly workers: number;
  /** Status reads per second during the load (one reader, GET /v1/batches/:id through Nginx). */
  readonly statusReadsPerSecond: number;
}

export interface E2EResult {
  readonly options: E2EOptions;
  readonly items: number;
  readonly seconds: number;
  readonly docsPerSecond: number;
  readonly uploadMs: Quantiles;
  readonly statusMs: Quantiles;
  readonly peakRssMiB: Readonly<Record<string, number>>;
  readonly cpuSeconds: Readonly<Record<string, number>>;
  /** Throughput over each successive tenth of the documents (by commit time of their verdict). */
  readonly tenths: readonly number[];
}

export interface Quantiles {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function quantiles(values: readonly number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted.length === 0
      ? NaN
      : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    count: sorted.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The zips of a data set, generated once and kept in .tmp/bench-e2e (signing 200,000 documents
 * takes minutes; the product and the reference runs read the same bytes). Once written they are
 * flushed to disk: otherwise the measurement that follows pays for their writeback, and
 * PostgreSQL's commits wait behind it.
 */
export async function dataset(
  documents: number,
  items: number | undefined,
  perZip: number,
): Promise<string[]> {
  const dir = path.join(CACHE, `${documents}-docs-${items ?? 'default'}-items-${perZip}`);
  const done = path.join(dir, 'complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const signer = createSigners().main;
    process.stdout.write(
      `generating ${documents} documents (${items ?? '6-10'} items) in ${dir}\n`,
    );
    for (let start = 0, n = 0; start < documents; start += perZip, n++) {
      const entries: [string, Buffer][] = [];
      for (let k = start; k < Math.min(documents, start + perZip); k++) {
        const doc = generateInvoice(signer, {
          seed: 5_000_000 + k,
          ...(items === undefined ? {} : { items }),
        });
        entries.push([`${k}.xml`, doc.bytes]);
      }
      await writeFile(path.join(dir, `${String(n).padStart(5, '0')}.zip`), await zipOf(entries));
    }
    await writeFile(done, '');
    spawnSync('sync');
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.zip'))
    .sort()
    .map((f) => path.join(dir, f));
}

interface RunningStack {
  readonly url: string;
  readonly runtimeDir: string;
  readonly child: ChildProcess;
  pids(): Record<string, number>;
  stop(): Promise<void>;
}

async function startTopology(options: E2EOptions, database: string): Promise<RunningStack> {
  const base = await freePorts(12);
  const runtimeDir = path.join(CACHE, 'run', options.label);
  rmSync(runtimeDir, { recursive: true, force: true });
  mkdirSync(runtimeDir, { recursive: true });
  const log = createWriteStream(path.join(runtimeDir, 'output.log'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'ops', 'start.js')], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl(database),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `nfebench_${database}`,
      LOG_LEVEL: 'info',
      LOAD_MODE: options.loadMode,
      RATE_LIMIT_PER_MINUTE: '0',
      HTTP_PORT: String(base),
      API_PORT_BASE: String(base + 1),
      METRICS_PORT_BASE: String(base + 5),
      WORKERS: String(options.workers),
      RUNTIME_DIR: runtimeDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${base}`;
  for (let k = 0; ; k++) {
    if (child.exitCode !== null)
      throw new Error(`npm start exited; see ${path.join(runtimeDir, 'output.log')}`);
    if ((await fetch(`${url}/health/`).catch(() => null))?.ok) break;
    if (k > 600) throw new Error('the topology did not come up in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    runtimeDir,
    child,
    pids: () => {
      const listed = (
        JSON.parse(readFileSync(path.join(runtimeDir, 'processes.json'), 'utf8')) as {
          name: string;
          pid: number | null;
        }[]
      ).filter((p) => p.pid !== null);
      const pids: Record<string, number> = {};
      for (const p of listed) {
        pids[p.name] = p.pid as number;
        // Nginx's master only supervises: its worker processes do the proxying.
        if (p.name === 'nginx')
          childPids(p.pid as number).forEach((child, k) => (pids[`nginx-worker-${k + 1}`] = child));
      }
      return pids;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((c) => c !== '')
      .map(Number);
  } catch {
    return [];
  }
}

function redisPid(): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'redis-server')
        return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

/** One end-to-end measurement on a fresh database. */
export async function runE2E(options: E2EOptions): Promise<E2EResult> {
  const zips = await dataset(options.documents, options.items, options.documentsPerZip);
  const database = `nfe_bench_e2e_${options.label.replace(/[^a-z0-9]/g, '_')}`;
  await admin(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
  await prepareDatabase(databaseUrl(database), silentLogger);
  const db = createDb({
    databaseUrl: databaseUrl(database),
    applicationName: 'bench-e2e',
    poolSize: 2,
    logger: silentLogger,
  });
  const key = await createApiKey(db, await createTenant(db, 'bench'));
  const stack = await startTopology(options, database);
  const redis = redisPid();
  const sampler = new PeakRss(
    () => Object.entries({ ...stack.pids(), ...(redis === null ? {} : { redis }) }),
    100,
  );
  const cpuBefore = Object.fromEntries(
    Object.entries(stack.pids()).map(([n, pid]) => [n, cpuSeconds(pid)]),
  );
  const pgBefore = postgresCpuSeconds();
  const uploads: number[] = [];
  const statusReads: number[] = [];
  const batchIds: string[] = [];
  let loading = true;
  try {
    const t0 = Date.now();
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < zips.length) {
        const k = next++;
        const body = readFileSync(zips[k]);
        for (let attempt = 1; ; attempt++) {
          const start = performance.now();
          const res = await postZip(stack.url, key, body, `e2e-${k}`).catch((err: Error) => err);
          if (!(res instanceof Error) && res.status === 202) {
            uploads.push(performance.now() - start);
            batchIds.push(((await res.json()) as { id: string }).id);
            break;
          }
          if (attempt >= 10)
            throw new Error(
              `upload ${k} failed: ${res instanceof Error ? res.message : `${res.status} ${await res.text()}`}`,
            );
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    };
    const reader = async (): Promise<void> => {
      const every = 1000 / options.statusReadsPerSecond;
      while (loading) {
        const started = performance.now();
        if (batchIds.length > 0) {
          const id = batchIds[Math.floor(Math.random() * batchIds.length)];
          const res = await fetch(`${stack.url}/v1/batches/${id}`, {
            headers: { Authorization: `Bearer ${key}` },
          });
          await res.arrayBuffer();
          if (res.status === 200) statusReads.push(performance.now() - started);
        }
        await new Promise((r) => setTimeout(r, Math.max(0, every - (performance.now() - started))));
      }
    };
    const reading = reader();
    await Promise.all(Array.from({ length: options.clients }, client));
    for (;;) {
      const r = await db.queryText<{ open: number }>(
        "select count(*)::int as open from batches where state <> 'completed'",
      );
      if (r.rows[0].open === 0) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    loading = false;
    await reading;
    const facts = (
      await db.queryText<{ last: Date; documents: number; items: number }>(
        `select (select max(processed_at) from documents) as last,
                (select count(*)::int from documents) as documents,
                (select count(*)::int from invoice_items) as items`,
      )
    ).rows[0];
    if (facts.documents !== options.documents)
      throw new Error(`stored ${facts.documents} documents, expected ${options.documents}`);
    const seconds = (facts.last.getTime() - t0) / 1000;
    const tenths = (
      await db.queryText<{ tile: number; n: number; last: Date }>(
        `select tile, count(*)::int as n, max(processed_at) as last
         from (select processed_at, ntile(10) over (order by processed_at) as tile from documents) t
         group by tile order by tile`,
      )
    ).rows;
    let previous = t0;
    const rates = tenths.map((t) => {
      const rate = t.n / Math.max(0.001, (t.last.getTime() - previous) / 1000);
      previous = t.last.getTime();
      return rate;
    });
    const pids = stack.pids();
    const cpu: Record<string, number> = Object.fromEntries(
      Object.entries(pids).map(([n, pid]) => [n, cpuSeconds(pid) - (cpuBefore[n] ?? 0)]),
    );
    cpu.postgres = postgresCpuSeconds() - pgBefore;
    return {
      options,
      items: facts.items,
      seconds,
      docsPerSecond: options.documents / seconds,
      uploadMs: quantiles(uploads),
      statusMs: quantiles(statusReads),
      peakRssMiB: Object.fromEntries(sampler.stop()),
      cpuSeconds: cpu,
      tenths: rates,
    };
  } finally {
    loading = false;
    sampler.stop();
    await stack.stop();
    await db.close();
    await admin(`drop database if exists ${pg.escapeIdentifier(database)} with (force)`);
  }
}

const round = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '-';

export function describe(r: E2EResult): string {
  const o = r.options;
  const lines = [
    `${o.label}: ${o.documents.toLocaleString('en-US')} documents (${r.items.toLocaleString('en-US')} items), ${o.loadMode === 'copy' ? 'product' : 'reference pipeline'}, ${o.clients} clients, ${o.workers} workers`,
    `  first byte → last verdict  ${round(r.seconds, 1)} s   ${round(r.docsPerSecond)} docs/s`,
    `  upload latency (zip of ${o.documentsPerZip})  p50 ${round(r.uploadMs.p50)} ms  p99 ${round(r.uploadMs.p99)} ms  (${r.uploadMs.count} uploads)`,
    `  status reads under load  p50 ${round(r.statusMs.p50, 1)} ms  p99 ${round(r.statusMs.p99, 1)} ms  max ${round(r.statusMs.max, 1)} ms  (${r.statusMs.count} reads)`,
    `  peak RSS MiB  ${Object.entries(r.peakRssMiB)
      .map(([n, v]) => `${n} ${round(v)}`)
      .join(', ')}`,
    `  CPU seconds   ${Object.entries(r.cpuSeconds)
      .map(([n, v]) => `${n} ${round(v, 1)}`)
      .join(', ')}`,
    `  docs/s by tenth of the load  ${r.tenths.map((t) => round(t)).join(' ')}`,
  ];
  return lines.join('\n');
}
