import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Db } from '../../engine/db';
import { createSigners } from '../../engine/testkit/hostile-documents';
import {
  auditExactlyOnce,
  tenantWithKey,
  waitForBatches,
} from '../../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb } from '../../engine/testkit/test-databases';
import { Stack, startStack } from '../testing/native-stack';
import { rssMiB } from '../testing/process-stats';
import { postZip, uploadAll } from '../testing/upload';
import { zipsOf } from './load';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * A soak run: SOAK_SECONDS (600 at least, the default) at half the end-to-end capacity
 * through the public endpoint, with the resident memory of every process sampled every 5 s. The
 * capacity is measured first, on the same stack (a burst of 20,000 documents as fast as four
 * clients send them, first byte to last verdict), because this machine's speed varies from day to
 * day (BENCHMARKS.md); SOAK_DOCS_PER_SECOND sets the rate instead. The processes take about two
 * minutes to reach their working size; after that warm-up (or the run's first fifth, if longer), no
 * process may show a growth trend, and the system must keep up (no backlog building).
 */
describe('chaos: soak at half capacity', function () {
  const seconds = Number(process.env.SOAK_SECONDS ?? 600);
  const warmUpMinutes = Math.max(2, seconds / 60 / 5);
  const fixedRate =
    process.env.SOAK_DOCS_PER_SECOND === undefined
      ? null
      : Number(process.env.SOAK_DOCS_PER_SECOND);
  this.timeout((seconds + 900) * 1000);
  const signers = createSigners();
  let stack: Stack;
  let db: Db;

  before(async () => {
    // A worker's RSS swings by 50 MiB from chunk to chunk; a 5-minute run showed a 7 MiB/min
    // "trend" that a 10-minute run did not. Shorter runs cannot tell growth from that swing.
    assert.ok(
      seconds >= 600,
      `SOAK_SECONDS=${seconds}: a memory trend needs at least 600 s (2 minutes of warm-up, then 8 of samples)`,
    );
    const database = await createTestDatabase('chaos_soak');
    db = testDb(testConfig(database));
    stack = await startStack(database, {
      CHUNK_SIZE: '500',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      SWEEP_GRACE_MS: '60000',
    });
  });
  after(async () => {
    await db?.close();
    if (stack !== undefined) assert.equal(await stack.stop(), 0);
  });

  /** Documents per second, first byte to last verdict, for zips sent as fast as 4 clients can. */
  async function measureCapacity(zips: readonly Buffer[]): Promise<number> {
    const { key } = await tenantWithKey(db, 'soak capacity');
    const started = Date.now();
    const load = await uploadAll(stack.url, key, zips, { clients: 4, label: 'capacity' });
    await waitForBatches(db, load.batchIds, 600_000);
    const done = await db.queryText<{ documents: number; last: Date }>(
      'select count(*)::int as documents, max(processed_at) as last from documents where batch_id = any($1::uuid[])',
      [load.batchIds],
    );
    const { documents, last } = done.rows[0];
    return documents / ((last.getTime() - started) / 1000);
  }

  it(`holds half the measured capacity for ${seconds} s with flat memory in every process`, async () => {
    const perZip = 250;
    const pool = await zipsOf(signers.main, 25_000, perZip, 9_700_000);
    const capacity = fixedRate === null ? await measureCapacity(pool.slice(0, 80)) : null;
    const rate = fixedRate ?? Math.round((capacity as number) / 2);
    // Each pass over the pool goes to a new tenant: every document is new to its tenant, so the
    // database keeps growing as it would in production.
    const keys: string[] = [];
    const keyFor = async (pass: number): Promise<string> => {
      while (keys.length <= pass) keys.push((await tenantWithKey(db, `soak ${keys.length}`)).key);
      return keys[pass];
    };
    await keyFor(0);
    const samples = new Map<string, [number, number][]>();
    const t0 = Date.now();
    const sampler = setInterval(() => {
      const t = (Date.now() - t0) / 60_000;
      for (const p of stack.processes()) {
        if (p.pid === null) continue;
        const list = samples.get(p.name) ?? [];
        list.push([t, rssMiB(p.pid)]);
        samples.set(p.name, list);
      }
    }, 5_000);
    const batchIds: string[] = [];
    let sent = 0;
    let behindMax = 0;
    try {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (;;) {
            const elapsed = (Date.now() - t0) / 1000;
            if (elapsed >= seconds) return;
            const due = Math.floor((elapsed * rate) / perZip);
            if (sent >= due) {
              await new Promise((r) => setTimeout(r, 20));
              continue;
            }
            behindMax = Math.max(behindMax, due - sent);
            const k = sent++;
            const key = await keyFor(Math.floor(k / pool.length));
            const res = await postZip(stack.url, key, pool[k % pool.length], `soak-${k}`);
            assert.equal(res.status, 202, `upload ${k}: ${res.status}`);
            batchIds.push(((await res.json()) as { id: string }).id);
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const backlog = (
      await db.queryText<{ n: number }>(
        'select count(*)::int as n from documents where verdict is null',
      )
    ).rows[0].n;
    await waitForBatches(db, batchIds, 600_000);
    const audit = await auditExactlyOnce(db);
    assert.equal(audit.documents, sent * perZip + (capacity === null ? 0 : 80 * perZip));

    const minutes = seconds / 60;
    const report = [...samples].map(([name, points]) => {
      const steady = points.filter(([t]) => t >= warmUpMinutes);
      const growth = slope(steady); // MiB per minute
      const mean = steady.reduce((s, [, y]) => s + y, 0) / Math.max(1, steady.length);
      return {
        name,
        samples: steady.length,
        meanMiB: Math.round(mean),
        maxMiB: Math.round(Math.max(...steady.map(([, y]) => y))),
        growthMiBPerMinute: Number(growth.toFixed(2)),
      };
    });
    const summary = {
      seconds,
      measuredCapacity: capacity === null ? null : Math.round(capacity),
      docsPerSecond: rate,
      documents: audit.documents,
      maxZipsBehindSchedule: behindMax,
      backlogAtEndOfLoad: backlog,
      processes: report,
    };
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    writeFileSync(
      path.join(ROOT, '.tmp', 'soak-results.json'),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    process.stdout.write(`      ${JSON.stringify(summary)}\n`);

    assert.ok(
      behindMax <= 8,
      `the uploads kept to the schedule (at most ${behindMax} zips behind)`,
    );
    assert.ok(
      backlog <= rate * 15,
      `the workers kept up: ${backlog} documents waiting when the load stopped`,
    );
    for (const p of report) {
      // Over the steady part of the run, a trend worth less than 10% of the process's size (and
      // 16 MiB at least) is noise from the garbage collector, not a leak.
      const drift = Math.max(0, p.growthMiBPerMinute) * (minutes - warmUpMinutes);
      assert.ok(
        drift <= Math.max(16, p.meanMiB * 0.1),
        `${p.name}: ${p.growthMiBPerMinute} MiB/min over ${minutes} min`,
      );
    }
  });
});
