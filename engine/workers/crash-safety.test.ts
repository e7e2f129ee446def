import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Config } from '../config';
import { Db } from '../db';
import { IngestJob, createIngestQueue, createRedis } from '../queue/queues';
import { generateEvent, generateInvoice } from '../testkit/generate-documents';
import { createSigners } from '../testkit/hostile-documents';
import {
  auditExactlyOnce,
  storeZip,
  tenantWithKey,
  waitFor,
  zipOf,
} from '../testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb, testEnv } from '../testkit/test-databases';

const WORKER_MAIN = path.resolve(__dirname, '..', 'main.js');
const DOCUMENTS = 2400;

/** Crash safety, tested with real worker processes, a real Redis and a real PostgreSQL. */
describe('crash safety of the pipeline', function () {
  this.timeout(240_000);
  const signers = createSigners();
  const invoices = Array.from({ length: DOCUMENTS - 40 }, (_, k) =>
    generateInvoice(signers.main, { seed: 20_000 + k, items: 1 + (k % 6) }),
  );
  const events = invoices.slice(0, 40).map((d) => generateEvent(signers.main, { chave: d.chave }));
  const entries: [string, Buffer][] = [
    ...invoices.map((d, k): [string, Buffer] => [`nfe-${k}.xml`, d.bytes]),
    ...events.map((d, k): [string, Buffer] => [`cancel-${k}.xml`, d.bytes]),
  ];

  let workers: ChildProcess[] = [];
  let logs: string[] = [];
  let db: Db;
  let redis: Redis;
  let queue: Queue<IngestJob>;
  let database: string;

  const WORKER_ENV = {
    CHUNK_SIZE: '40',
    JOB_LOCK_MS: '3000',
    SWEEP_INTERVAL_MS: '1000',
    SWEEP_GRACE_MS: '2000',
    JOB_ATTEMPTS: '60',
    JOB_BACKOFF_MS: '200',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, [WORKER_MAIN], {
      env: { ...process.env, ...testEnv(database, WORKER_ENV) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => logs.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
    workers.push(child);
    return child;
  }

  async function decided(): Promise<number> {
    try {
      return (
        await db.queryText<{ n: number }>(
          'select count(*)::int as n from documents where verdict is not null',
        )
      ).rows[0].n;
    } catch {
      return -1; // PostgreSQL restarting
    }
  }

  async function setUp(label: string): Promise<{ config: Config; batchIds: string[] }> {
    database = await createTestDatabase(label);
    const config = testConfig(database, WORKER_ENV);
    db = testDb(config);
    redis = createRedis(config.redisUrl, 'crash-test');
    queue = createIngestQueue(redis, {
      prefix: config.queuePrefix,
      attempts: config.jobAttempts,
      backoffMs: config.jobBackoffMs,
    });
    const { tenantId } = await tenantWithKey(db, label);
    const batchIds: string[] = [];
    for (let k = 0; k < entries.length; k += 600) {
      batchIds.push(
        (await storeZip(db, queue, config, tenantId, await zipOf(entries.slice(k, k + 600)))).id,
      );
    }
    return { config, batchIds };
  }

  async function allDone(batchIds: string[]): Promise<void> {
    await waitFor(
      'every batch to complete',
      async () => {
        try {
          const r = await db.queryText<{ n: number }>(
            "select count(*)::int as n from batches where id = any($1::uuid[]) and state = 'completed'",
            [batchIds],
          );
          return r.rows[0].n === batchIds.length;
        } catch {
          return false;
        }
      },
      180_000,
      200,
    );
  }

  async function assertExactlyOnce(): Promise<void> {
    const audit = await auditExactlyOnce(db);
    assert.equal(audit.documents, DOCUMENTS);
    assert.deepEqual(audit.verdicts, { loaded: DOCUMENTS });
    assert.equal(audit.invoices, invoices.length);
    assert.equal(audit.events, events.length);
    assert.equal(
      audit.items,
      invoices.reduce((s, d) => s + d.items, 0),
    );
    const cancelled = await db.queryText<{ n: number }>(
      "select count(*)::int as n from invoices where state = 'cancelled'",
    );
    assert.equal(cancelled.rows[0].n, events.length);
  }

  afterEach(async function () {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    workers = [];
    if (this.currentTest?.state === 'failed') process.stderr.write(logs.join('').slice(-4000));
    logs = [];
    await queue?.close();
    await redis?.quit();
    await db?.close();
  });

  it('(a) a worker killed with SIGKILL mid-batch: another finishes, every document has one verdict, no row twice', async () => {
    const { batchIds } = await setUp('kill');
    const first = startWorker();
    await waitFor('some verdicts', async () => (await decided()) >= DOCUMENTS / 5, 120_000, 20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    assert.ok((await decided()) < DOCUMENTS, 'killed mid-batch');
    startWorker();
    await allDone(batchIds);
    await assertExactlyOnce();
  });

  it('(b) Redis flushed (FLUSHALL) mid-batch: the recovery sweep finds stored work without a job, nothing is lost', async () => {
    const { batchIds } = await setUp('flush');
    startWorker();
    await waitFor('some verdicts', async () => (await decided()) >= DOCUMENTS / 5, 120_000, 20);
    assert.ok((await decided()) < DOCUMENTS, 'flushed mid-batch');
    await redis.flushall();
    await allDone(batchIds);
    await assertExactlyOnce();
  });

  it('(d) SIGTERM mid-batch: the worker finishes its job and exits cleanly; another completes the rest', async () => {
    const { batchIds } = await setUp('sigterm');
    const first = startWorker();
    await waitFor('some verdicts', async () => (await decided()) >= DOCUMENTS / 5, 120_000, 20);
    first.kill('SIGTERM');
    const code = await new Promise((r) => first.once('exit', (c) => r(c)));
    assert.equal(code, 0, 'a clean exit');
    assert.match(logs.join(''), /"msg":"stopped"/);
    const atExit = await decided();
    assert.ok(atExit < DOCUMENTS, 'stopped mid-batch');
    const locked = await db.queryText<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where application_name = 'nfe-ingest-worker'",
    );
    assert.equal(locked.rows[0].n, 0, 'no connection left behind');
    startWorker();
    await allDone(batchIds);
    await assertExactlyOnce();
  });

  it('(c) PostgreSQL restarted mid-batch: workers retry with backoff and finish', async () => {
    const { batchIds } = await setUp('restart');
    startWorker();
    startWorker();
    await waitFor('some verdicts', async () => (await decided()) >= DOCUMENTS / 5, 120_000, 20);
    assert.ok((await decided()) < DOCUMENTS, 'restarted mid-batch');
    restartPostgres();
    await allDone(batchIds);
    await assertExactlyOnce();
    assert.match(
      logs.join(''),
      /failed transiently|recovery sweep failed|job failed/,
      'the workers saw the restart',
    );
  });
});

function restartPostgres(): void {
  const versions = readdirSync('/etc/postgresql');
  const run = spawnSync(
    'pg_ctlcluster',
    ['--skip-systemctl-redirect', versions[0], 'main', 'restart', '--', '-m', 'fast'],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`could not restart PostgreSQL: ${run.stderr}`);
}
