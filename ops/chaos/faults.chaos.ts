import assert from 'node:assert/strict';
import { Db } from '../../engine/db';
import { createSigners } from '../../engine/testkit/hostile-documents';
import {
  auditExactlyOnce,
  tenantWithKey,
  waitFor,
  waitForBatches,
} from '../../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testConfig, testDb } from '../../engine/testkit/test-databases';
import { Stack, alive, postgres, startStack } from '../testing/native-stack';
import { uploadAll } from '../testing/upload';
import { reloadNginx, restartRedisEmpty, zipsOf } from './load';

/**
 * Faults during load, through the public endpoint of the native topology: an API replica and a
 * worker killed, Redis restarted empty, PostgreSQL restarted, Nginx reloaded. However they land,
 * every accepted document ends with exactly one verdict and no row is loaded twice.
 */
describe('chaos: faults during load', function () {
  this.timeout(900_000);
  const signers = createSigners();
  let stack: Stack;
  let db: Db;
  let key: string;

  before(async () => {
    const database = await createTestDatabase('chaos_faults');
    db = testDb(testConfig(database));
    key = (await tenantWithKey(db, 'chaos')).key;
    stack = await startStack(database, { JOB_ATTEMPTS: '1000' });
  });
  after(async () => {
    postgres('start');
    await db?.close();
    if (stack !== undefined) assert.equal(await stack.stop(), 0, 'a clean stop after the faults');
  });

  it('keeps exactly one verdict per accepted document through every fault', async () => {
    const zips = await zipsOf(signers.main, 30_000, 250, 7_000_000);
    // The duplicate of the first zip under another key: loaded once, then duplicates.
    zips.push(zips[0]);
    const faults: { at: number; name: string; apply: () => Promise<void> | void }[] = [
      {
        at: 10,
        name: 'SIGKILL api-2',
        apply: () => {
          const pid = stack.processes().find((p) => p.name === 'api-2')?.pid as number;
          process.kill(pid, 'SIGKILL');
        },
      },
      {
        at: 25,
        name: 'SIGKILL worker-1',
        apply: () => {
          const pid = stack.processes().find((p) => p.name === 'worker-1')?.pid as number;
          process.kill(pid, 'SIGKILL');
        },
      },
      { at: 40, name: 'Redis restarted empty', apply: restartRedisEmpty },
      {
        at: 60,
        name: 'PostgreSQL restarted',
        apply: async () => {
          postgres('stop');
          await new Promise((r) => setTimeout(r, 2000));
          postgres('start');
        },
      },
      { at: 85, name: 'Nginx reloaded', apply: () => void reloadNginx(stack.runtimeDir) },
    ];
    const applied: string[] = [];
    let pending: Promise<void> = Promise.resolve();
    const load = await uploadAll(stack.url, key, zips, {
      clients: 4,
      label: 'chaos',
      onProgress: (accepted) => {
        for (const f of faults)
          if (!applied.includes(f.name) && accepted >= f.at) {
            applied.push(f.name);
            pending = pending.then(() => f.apply());
          }
      },
    });
    await pending;
    assert.deepEqual(
      applied,
      faults.map((f) => f.name),
      'every fault landed during the load',
    );
    await waitForBatches(db, load.batchIds, 600_000);
    const audit = await auditExactlyOnce(db);
    assert.equal(audit.documents, 30_250);
    assert.deepEqual(audit.verdicts, { loaded: 30_000, duplicate: 250 });
    assert.equal(audit.invoices, 30_000);

    // The supervisor brought the killed processes back.
    const running = stack.processes();
    for (const name of ['api-2', 'worker-1'])
      assert.ok(
        running.some((p) => p.name === name && p.restarts >= 1 && alive(p.pid)),
        `${name} restarted`,
      );
    await waitFor(
      'every API ready again',
      async () => (await fetch(`${stack.url}/ready`)).status === 200,
      30_000,
    );
    process.stdout.write(
      `      faults: ${applied.join(', ')}; retried uploads: ${JSON.stringify(load.retried)}\n`,
    );
  });
});
