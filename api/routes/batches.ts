import { Router } from '@koa/router';
import {
  BatchRow,
  NfeError,
  batchJson,
  enqueueChunks,
  receiveUpload,
  uploadKind,
} from '../../engine/index';
import { AppDeps, AppState } from '../context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VERDICTS = new Set(['loaded', 'duplicate', 'conflict', 'rejected', 'pending']);
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function optionalUrl(value: string | undefined, name: string): string | null {
  if (value === undefined || value === '') return null;
  try {
    const u = new URL(value);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    return u.toString();
  } catch {
    throw new NfeError('BAD_REQUEST', `${name} must be an http(s) URL`);
  }
}

function cursorOf(value: string | undefined): string {
  if (value === undefined || value === '') return '0';
  const decoded = Buffer.from(value, 'base64url').toString('latin1');
  if (!/^[0-9]{1,19}$/.test(decoded))
    throw new NfeError('BAD_REQUEST', 'cursor is not one this API returned');
  return decoded;
}

/** At most `n` holders at once; `acquire` resolves to the release function, in arrival order. */
function semaphore(n: number): { acquire(): Promise<() => void> } {
  let free = n;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    acquire: () =>
      free > 0
        ? (free--, Promise.resolve(release))
        : new Promise((resolve) => waiting.push(() => resolve(release))),
  };
}

export function batchRoutes(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const { db, queue, config } = deps;
  // Uploads are received in parallel, but stored (examined, inflated, COPY'd into PostgreSQL, off
  // this event loop) a few at a time per process: concurrent COPYs only share the same CPUs and
  // disk.
  const storing = semaphore(config.uploadStoreConcurrency);

  async function loadBatch(tenantId: string, id: string): Promise<BatchRow> {
    if (!UUID.test(id)) throw new NfeError('NOT_FOUND', `no batch ${id.slice(0, 60)}`);
    const batch = (await db.query<BatchRow>('select-batch', [id, tenantId])).rows[0];
    if (batch === undefined) throw new NfeError('NOT_FOUND', `no batch ${id}`);
    return batch;
  }

  router.post('/v1/batches', async (ctx) => {
    const kind = uploadKind(ctx.get('Content-Type'));
    const declared = Number(ctx.get('Content-Length') || '0');
    if (declared > config.uploadMaxBytes)
      throw new NfeError(
        'PAYLOAD_TOO_LARGE',
        `the upload declares ${declared} bytes; the limit is ${config.uploadMaxBytes}`,
      );
    const idempotencyKey = ctx.get('Idempotency-Key') || null;
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey))
      throw new NfeError(
        'BAD_REQUEST',
        'Idempotency-Key must be 1 to 200 visible ASCII characters',
      );
    const query = ctx.query as Record<string, string | undefined>;
    const clientReference = (query.clientReference ?? ctx.get('X-Client-Reference')) || null;
    if (clientReference !== null && clientReference.length > 200)
      throw new NfeError('BAD_REQUEST', 'clientReference is longer than 200 characters');
    const callbackUrl = optionalUrl(query.callbackUrl ?? ctx.get('X-Callback-Url'), 'callbackUrl');

    const received = await receiveUpload(kind, ctx.req, ctx.req.headers, config);
    const release = await storing.acquire();
    try {
      const stored = await deps.uploads.store(received, {
        tenantId: ctx.state.tenantId,
        idempotencyKey,
        clientReference,
        callbackUrl,
        requestId: ctx.state.reqId,
        chunkSize: config.chunkSize,
      });
      const log = ctx.state.log.child({ batchId: stored.batch.id });
      if (stored.created) {
        deps.metrics.uploadBytes.inc(received.bodyBytes);
        deps.metrics.uploadDocuments.inc(stored.documentCount);
        log.info(
          {
            documents: stored.documentCount,
            skipped: stored.skippedCount,
            chunks: stored.chunks.length,
          },
          'batch stored',
        );
        try {
          await enqueueChunks(queue, stored.batch.id, stored.chunks, ctx.state.reqId);
        } catch (err) {
          // Stored is what matters: the recovery sweep enqueues chunks that have no job.
          log.warn(
            { err: (err as Error).message },
            'batch stored but not enqueued; the recovery sweep will pick it up',
          );
        }
      } else {
        log.info('idempotent replay: returning the stored batch');
        ctx.set('Idempotent-Replayed', 'true');
      }
      ctx.status = 202;
      ctx.set('Location', `/v1/batches/${stored.batch.id}`);
      ctx.body = batchJson(stored.batch);
    } finally {
      release();
      await received.dispose();
    }
  });

  router.get('/v1/batches/:id', async (ctx) => {
    ctx.body = batchJson(await loadBatch(ctx.state.tenantId, ctx.params.id));
  });

  router.get('/v1/batches/:id/documents', async (ctx) => {
    const batch = await loadBatch(ctx.state.tenantId, ctx.params.id);
    const query = ctx.query as Record<string, string | undefined>;
    const verdict = query.verdict ?? null;
    if (verdict !== null && !VERDICTS.has(verdict))
      throw new NfeError('BAD_REQUEST', `verdict must be one of ${[...VERDICTS].join(', ')}`);
    const limit = query.limit === undefined ? 100 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new NfeError('BAD_REQUEST', 'limit must be an integer from 1 to 1000');
    const rows = (
      await db.query('select-batch-documents', [
        batch.id,
        cursorOf(query.cursor),
        verdict,
        limit + 1,
      ])
    ).rows;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined
        ? Buffer.from(String(last.id)).toString('base64url')
        : null;
    const params = new URLSearchParams();
    if (verdict !== null) params.set('verdict', verdict);
    params.set('limit', String(limit));
    if (nextCursor !== null) params.set('cursor', nextCursor);
    ctx.body = {
      data: page.map((d) => ({
        id: String(d.id),
        seq: d.seq,
        name: d.entry_name,
        size: d.size,
        sha256: (d.sha256 as Buffer).toString('hex'),
        verdict: d.verdict,
        code: d.code,
        message: d.message,
        kind: d.kind,
        chave: d.chave,
        receivedAt: d.received_at,
        processedAt: d.processed_at,
      })),
      next: nextCursor === null ? null : `/v1/batches/${batch.id}/documents?${params.toString()}`,
    };
  });

  router.get('/v1/batches/:id/webhooks', async (ctx) => {
    const batch = await loadBatch(ctx.state.tenantId, ctx.params.id);
    const rows = (await db.query('select-batch-webhooks', [batch.id])).rows;
    ctx.body = {
      data: rows.map((d) => ({
        eventId: d.id,
        type: d.event_type,
        url: d.url,
        state: d.state,
        attempts: d.attempts,
        nextAttemptAt: d.state === 'pending' ? d.next_attempt_at : null,
        lastStatus: d.last_status,
        lastError: d.last_error,
        createdAt: d.created_at,
        deliveredAt: d.delivered_at,
        attemptLog: d.attempt_log,
      })),
    };
  });

  return router;
}
