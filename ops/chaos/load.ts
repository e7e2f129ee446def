import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { generateInvoice } from '../../engine/testkit/generate-documents';
import { ThrowawaySigner } from '../../engine/testkit/throwaway-signer';
import { waitFor, zipOf } from '../../engine/testkit/pipeline-fixtures';

/**
 * What the chaos suite shares: generated load (the client that uploads it is
 * ../testing/upload.ts), and the faults themselves, applied to the real services of this machine.
 */

export async function zipsOf(
  signer: ThrowawaySigner,
  documents: number,
  perZip: number,
  firstSeed: number,
): Promise<Buffer[]> {
  const zips: Buffer[] = [];
  for (let k = 0; k < documents; k += perZip) {
    const entries: [string, Buffer][] = [];
    for (let j = k; j < Math.min(documents, k + perZip); j++)
      entries.push([`${j}.xml`, generateInvoice(signer, { seed: firstSeed + j }).bytes]);
    zips.push(await zipOf(entries));
  }
  return zips;
}

/** Redis emptied by a restart (no persistence here): SHUTDOWN NOSAVE, then started again. */
export async function restartRedisEmpty(): Promise<void> {
  spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave']);
  await waitFor(
    'Redis to go away',
    async () => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping']).status !== 0,
    10_000,
    50,
  );
  const started = spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { encoding: 'utf8' },
  );
  if (started.status !== 0) throw new Error(`redis-server: ${started.stderr}`);
  await waitFor(
    'Redis to answer again',
    async () =>
      spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], {
        encoding: 'utf8',
      }).stdout.trim() === 'PONG',
    10_000,
    50,
  );
}

/** Sends SIGHUP to the stack's Nginx master: it rereads its configuration with no downtime. */
export function reloadNginx(runtimeDir: string): number {
  const pid = Number(readFileSync(`${runtimeDir}/nginx/nginx.pid`, 'utf8').trim());
  process.kill(pid, 'SIGHUP');
  return pid;
}

/** Files left in a folder (the upload spool must be empty once requests are answered). */
export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
}
