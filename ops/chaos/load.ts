import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { generateInvoice } from '../../engine/testkit/generate-documents';
import { ThrowawaySigner } from '../../engine/testkit/throwaway-signer';
import { waitFor, zipOf } from '../../engine/testkit/pipeline-fixtures';

/**
 * What the chaos suite shares: a client that keeps uploading through the public endpoint and
 * retries the way a well-behaved integrator does (same Idempotency-Key, backoff, Retry-After), and
 * the faults themselves, applied to the real services of this machine.
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

export interface LoadResult {
  /** Batch id per zip, in zip order. */
  readonly batchIds: readonly string[];
  /** Attempts that failed and were retried, by status (or "network"). */
  readonly retried: Readonly<Record<string, number>>;
}

/**
 * Uploads every zip through `url` with `clients` concurrent clients; each upload is retried with
 * its Idempotency-Key until it is accepted (network errors, 5xx and 429 are expected during a
 * fault). `onProgress` is told how many zips were accepted so far (to time the faults).
 */
export async function uploadAll(
  url: string,
  key: string,
  zips: readonly Buffer[],
  options: { clients: number; label: string; onProgress?: (accepted: number) => void },
): Promise<LoadResult> {
  const batchIds = new Array<string>(zips.length);
  const retried: Record<string, number> = {};
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (next < zips.length) {
        const k = next++;
        for (let attempt = 1; ; attempt++) {
          const res = await fetch(`${url}/v1/batches`, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${key}`,
              'Content-Type': 'application/zip',
              'Idempotency-Key': `${options.label}-${k}`,
            },
            body: new Uint8Array(zips[k]),
          }).catch(() => null);
          if (res !== null && res.status === 202) {
            batchIds[k] = ((await res.json()) as { id: string }).id;
            options.onProgress?.(++accepted);
            break;
          }
          const why = res === null ? 'network' : String(res.status);
          if (res !== null) await res.arrayBuffer().catch(() => undefined);
          if (res !== null && res.status < 500 && res.status !== 429)
            throw new Error(`upload ${k} refused with ${why}`);
          retried[why] = (retried[why] ?? 0) + 1;
          if (attempt > 200) throw new Error(`upload ${k} still failing (${why})`);
          const after = Number(res?.headers.get('retry-after') ?? '0');
          await new Promise((r) =>
            setTimeout(r, Math.min(2000, Math.max(after * 1000, 100 * attempt))),
          );
        }
      }
    }),
  );
  return { batchIds, retried };
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
