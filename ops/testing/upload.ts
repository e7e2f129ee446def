/** POST /v1/batches with a zip, as an integrator would (Idempotency-Key when given). */
export function postZip(
  url: string,
  key: string,
  zip: Buffer,
  idempotencyKey?: string,
): Promise<Response> {
  return fetch(`${url}/v1/batches`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/zip',
      ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
    },
    body: new Uint8Array(zip),
  });
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
          const res = await postZip(url, key, zips[k], `${options.label}-${k}`).catch(() => null);
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
