import { Router } from '@koa/router';
import { Readable } from 'node:stream';
import {
  LedgerEntry,
  NfeError,
  copyToCsv,
  createReconciliationRun,
  effectiveSchedules,
  enqueueReconciliations,
  inline,
  parseLedgerCsv,
  parseLedgerJson,
  sql,
} from '../../engine/index';
import { AppDeps, AppState } from '../context';

type Row = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LEDGER_BYTES = 128 * 1024 * 1024;
const MAX_FINDINGS_IN_JSON = 1000;

function date(value: unknown, name: string): string {
  if (
    typeof value !== 'string' ||
    !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value) ||
    !new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  ) {
    throw new NfeError('BAD_REQUEST', `${name} must be a date (YYYY-MM-DD)`);
  }
  return value;
}

async function readBody(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit)
      throw new NfeError('PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function runJson(r: Row): Row {
  return {
    id: r.id,
    state: r.state,
    trigger: r.trigger,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    ledger: r.has_ledger,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
    summary: r.summary,
    links: {
      self: `/v1/reconciliations/${String(r.id)}`,
      findings: `/v1/reconciliations/${String(r.id)}/findings.csv`,
    },
  };
}

function findingJson(f: Row): Row {
  return {
    kind: f.kind,
    issuer: f.issuer,
    model: f.model,
    series: f.series,
    rangeStart: f.range_start === null ? null : Number(f.range_start),
    rangeEnd: f.range_end === null ? null : Number(f.range_end),
    chaves: f.chaves,
    explanation: f.explanation,
    details: f.details,
  };
}

/** Reconciliation runs (on demand, with an optional ledger) and the scheduled runs' record. */
export function reconciliationRoutes(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const { db } = deps;

  async function loadRun(tenantId: string, id: string): Promise<Row> {
    const run = UUID.test(id)
      ? (await db.query('select-reconciliation-run', [id, tenantId])).rows[0]
      : undefined;
    if (run === undefined) throw new NfeError('NOT_FOUND', `no reconciliation ${id.slice(0, 60)}`);
    return run;
  }

  router.post('/v1/reconciliations', async (ctx) => {
    const type = (ctx.get('Content-Type') || '').split(';')[0].trim().toLowerCase();
    let periodStart: string;
    let periodEnd: string;
    let ledger: LedgerEntry[] | null = null;
    if (type === 'application/json') {
      let body: Row;
      try {
        body = JSON.parse(await readBody(ctx.req, MAX_LEDGER_BYTES)) as Row;
      } catch (err) {
        if (err instanceof NfeError) throw err;
        throw new NfeError('BAD_REQUEST', 'the body is not valid JSON');
      }
      periodStart = date(body.periodStart, 'periodStart');
      periodEnd = date(body.periodEnd, 'periodEnd');
      if (body.ledger !== undefined && body.ledger !== null) ledger = parseLedgerJson(body.ledger);
    } else if (type === 'text/csv') {
      const query = ctx.query as Record<string, string | undefined>;
      periodStart = date(query.periodStart, 'periodStart');
      periodEnd = date(query.periodEnd, 'periodEnd');
      ledger = parseLedgerCsv(await readBody(ctx.req, MAX_LEDGER_BYTES));
    } else {
      throw new NfeError(
        'UNSUPPORTED_MEDIA_TYPE',
        'send application/json ({ periodStart, periodEnd, ledger? }) or text/csv (the ledger, with periodStart and periodEnd in the query)',
      );
    }
    if (periodEnd < periodStart)
      throw new NfeError('BAD_REQUEST', 'periodEnd is before periodStart');
    if ((Date.parse(periodEnd) - Date.parse(periodStart)) / 86_400_000 > 366)
      throw new NfeError('BAD_REQUEST', 'a period is at most 366 days');
    const id = await createReconciliationRun(db, {
      tenantId: ctx.state.tenantId,
      periodStart,
      periodEnd,
      ledger,
    });
    try {
      await enqueueReconciliations(deps.reconciliationQueue, [id]);
    } catch (err) {
      ctx.state.log.warn({ err: (err as Error).message }, 'reconciliation stored but not enqueued');
    }
    ctx.status = 202;
    ctx.set('Location', `/v1/reconciliations/${id}`);
    ctx.body = runJson(await loadRun(ctx.state.tenantId, id));
  });

  router.get('/v1/reconciliations', async (ctx) => {
    const runs = (await db.query('select-reconciliation-runs', [ctx.state.tenantId, 50])).rows;
    ctx.body = { data: runs.map(runJson) };
  });

  router.get('/v1/reconciliations/:id', async (ctx) => {
    const run = await loadRun(ctx.state.tenantId, ctx.params.id);
    const findings = (
      await db.query('select-reconciliation-findings', [run.id, MAX_FINDINGS_IN_JSON + 1])
    ).rows;
    ctx.body = {
      ...runJson(run),
      findings: findings.slice(0, MAX_FINDINGS_IN_JSON).map(findingJson),
      findingsTruncated: findings.length > MAX_FINDINGS_IN_JSON,
    };
  });

  router.get('/v1/reconciliations/:id/findings.csv', async (ctx) => {
    const run = await loadRun(ctx.state.tenantId, ctx.params.id);
    const query = inline(
      sql('export-reconciliation-findings')
        .replace(/^--.*\n/gm, '')
        .replace('{{run}}', '$1::uuid'),
      [run.id],
    );
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="reconciliation-${String(run.id)}.csv"`);
    ctx.body = await copyToCsv(db, query);
  });

  router.get('/v1/schedules', async (ctx) => {
    const runs = (await db.query('select-schedule-runs', [10])).rows;
    ctx.body = {
      data: effectiveSchedules(deps.config.scheduleCrons).map((s) => ({
        id: s.id,
        cron: s.cron,
        tz: s.tz,
        task: s.payload.task,
        recentRuns: runs
          .filter((r) => r.schedule_id === s.id)
          .map((r) => ({
            tick: r.tick,
            startedAt: r.started_at,
            finishedAt: r.finished_at,
            outcome: r.outcome,
            details: r.details,
          })),
      })),
    };
  });

  return router;
}
