import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createMaintenanceQueue, createRedis } from '../engine/queue/queues';
import { createTenant } from '../engine/tenants/api-keys';
import { processChunk } from '../engine/load/process-chunk';
import { silentLogger } from '../engine/logger';
import { storeZip, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb, testEnv } from '../engine/testkit/test-databases';

const ROOT = path.resolve(__dirname, '..', '..');

/** Schedules through real scheduler and worker processes, with second-level crons for the test. */
describe('the scheduler', function () {
  this.timeout(120_000);

  it('two scheduler processes at once produce exactly one run per schedule tick, recorded with start, end and outcome', async () => {
    const database = await createTestDatabase('scheduler');
    const overrides = {
      SCHEDULE_RECOVERY_SWEEP_CRON: '*/2 * * * * *',
      SCHEDULE_NIGHTLY_RECONCILIATION_CRON: '*/3 * * * * *',
      SCHEDULE_WEBHOOK_SWEEP_CRON: '0 0 1 1 *',
      SCHEDULE_RETENTION_CRON: '*/5 * * * * *',
      LOG_LEVEL: 'warn',
    };
    const config = testConfig(database, overrides);
    const db = testDb(config);
    const first = await createTenant(db, 'first');
    await createTenant(db, 'second');
    // A rejected document processed 200 days ago: past the default 180-day retention of its bytes.
    const old = await storeZip(
      db,
      null,
      config,
      first,
      await zipOf([['old.xml', Buffer.from('<not-an-nfe/>')]]),
    );
    await processChunk(
      db,
      { batchId: old.id, chunk: 0 },
      { loadMode: 'copy', documentMaxBytes: config.documentMaxBytes, logger: silentLogger },
    );
    await db.queryText(
      "update documents set processed_at = now() - interval '200 days' where batch_id = $1",
      [old.id],
    );
    const env = { ...process.env, ...testEnv(database, overrides) };
    const start = (file: string): ChildProcess =>
      spawn(process.execPath, [path.join(ROOT, 'dist', file)], { env, stdio: 'ignore' });
    const processes = [
      start('engine/main.js'),
      start('scheduler/main.js'),
      start('scheduler/main.js'),
    ];
    const redis = createRedis(config.redisUrl, 'scheduler-test');
    const queue = createMaintenanceQueue(redis, config.queuePrefix);
    try {
      await new Promise((r) => setTimeout(r, 11_000));
      for (const p of processes) p.kill('SIGTERM');
      await Promise.all(
        processes.map(
          (p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r))),
        ),
      );

      const runs = (
        await db.queryText<{
          schedule_id: string;
          tick: Date;
          outcome: string;
          finished_at: Date | null;
        }>(
          'select schedule_id, tick, outcome, finished_at from schedule_runs order by schedule_id, tick',
        )
      ).rows;
      const sweeps = runs.filter((r) => r.schedule_id === 'recovery-sweep');
      assert.ok(sweeps.length >= 3, `only ${sweeps.length} sweep ticks ran`);
      for (let k = 1; k < sweeps.length; k++) {
        assert.equal(
          sweeps[k].tick.getTime() - sweeps[k - 1].tick.getTime(),
          2000,
          'every 2-second tick, once, none skipped',
        );
      }
      for (const r of runs) {
        assert.equal(r.outcome, 'ok');
        assert.ok(r.finished_at !== null);
      }
      const completed = await queue.getJobs(['completed'], 0, 1000);
      assert.ok(completed.length >= sweeps.length);
      assert.deepEqual(
        completed
          .filter((j) => (j.returnvalue as { skipped?: string } | null)?.skipped !== undefined)
          .map((j) => j.id),
        [],
        'no tick was ever enqueued twice',
      );
      assert.equal(
        (await queue.getJobSchedulers()).length,
        4,
        'one job scheduler per schedule, however many schedulers upserted it',
      );

      const reconciliations = (
        await db.queryText<{ tick: Date; n: number }>(
          "select schedule_tick as tick, count(*)::int as n from reconciliation_runs where trigger = 'schedule' group by schedule_tick",
        )
      ).rows;
      assert.ok(reconciliations.length >= 2);
      for (const r of reconciliations) assert.equal(r.n, 2, 'one run per tenant and tick');
      const states = (
        await db.queryText<{ state: string }>(
          "select distinct state from reconciliation_runs where trigger = 'schedule'",
        )
      ).rows.map((r) => r.state);
      assert.deepEqual(states, ['completed']);
      const period = (
        await db.queryText<{ days: number }>(
          'select (period_end - period_start + 1)::int as days from reconciliation_runs limit 1',
        )
      ).rows[0];
      assert.equal(period.days, 7, 'the previous day and a rolling window of late arrivals');
    } finally {
      for (const p of processes) if (p.exitCode === null) p.kill('SIGKILL');
      await queue.close();
      await redis.quit();
      await db.close();
    }
  });
});
