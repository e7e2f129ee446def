import { createHmac } from 'node:crypto';
import { Db } from '../db';

/**
 * One delivery attempt of one webhook, under a row lock (two workers never deliver the same event
 * at once, and a delivered event is never attempted again). The body is signed with HMAC-SHA256
 * over "<timestamp>.<body>" with the tenant's secret: `X-Nfe-Signature: t=<timestamp>,v1=<hex>`.
 */
export interface DeliveryOptions {
  readonly timeoutMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxAgeMs: number;
}

export type DeliveryOutcome =
  | { readonly state: 'skipped' }
  | { readonly state: 'delivered' | 'failed'; readonly attempts: number }
  | { readonly state: 'pending'; readonly attempts: number; readonly retryInMs: number };

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function retryDelay(
  attempts: number,
  options: Pick<DeliveryOptions, 'retryBaseMs' | 'retryMaxMs'>,
): number {
  return Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

export async function deliverWebhook(
  db: Db,
  deliveryId: string,
  options: DeliveryOptions,
): Promise<DeliveryOutcome> {
  return db.withTransaction(async (tx) => {
    const row = (
      await tx.query<{
        id: string;
        url: string;
        payload: unknown;
        attempts: number;
        webhook_secret: string;
      }>('lock-due-webhook', [deliveryId])
    ).rows[0];
    if (row === undefined) return { state: 'skipped' };
    const body = JSON.stringify(row.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const t0 = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(row.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'nfe-ingest-webhooks/1',
          'X-Nfe-Event-Id': row.id,
          'X-Nfe-Event-Type': (row.payload as { type: string }).type,
          'X-Nfe-Timestamp': String(timestamp),
          'X-Nfe-Signature': `t=${timestamp},v1=${signWebhook(row.webhook_secret, timestamp, body)}`,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      error = (err as Error).message.slice(0, 300);
    }
    const delivered = status !== null && status >= 200 && status < 300;
    const durationMs = Date.now() - t0;
    await tx.query('record-webhook-attempt', [row.id, status, error, durationMs]);
    const delay = retryDelay(row.attempts + 1, options);
    const after = (
      await tx.query<{ state: 'pending' | 'delivered' | 'failed'; attempts: number }>(
        'finish-webhook-attempt',
        [row.id, delivered, status, error, delivered ? 0 : delay, options.maxAgeMs],
      )
    ).rows[0];
    return after.state === 'pending'
      ? { state: 'pending', attempts: after.attempts, retryInMs: delay }
      : { state: after.state, attempts: after.attempts };
  });
}
