import { Db, copyRows } from '../db';
import { LedgerEntry } from './ledger';

/**
 * A reconciliation run: every check is one set-based SQL statement over the tenant's period
 * (numbering gaps, stuck and failed work, totals, warnings, lone cancellations, cancellations after
 * export, the client's ledger), writing findings with a kind, the keys and an explanation, then the
 * report's figures. Re-running an interrupted run replaces its findings.
 */
export interface ReconcileOptions {
  readonly stuckMinutes: number;
  readonly cancellationGraceHours: number;
}

export interface NewRun {
  readonly tenantId: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly ledger: readonly LedgerEntry[] | null;
}

export async function createReconciliationRun(db: Db, run: NewRun): Promise<string> {
  return db.withTransaction(async (tx) => {
    const id = (
      await tx.query<{ id: string }>('insert-reconciliation-run', [
        run.tenantId,
        run.periodStart,
        run.periodEnd,
        'api',
        null,
        run.ledger !== null,
      ])
    ).rows[0].id;
    if (run.ledger !== null && run.ledger.length > 0) {
      await tx.copyIn(
        'copy reconciliation_ledger (run_id, line, chave, issued_date, total) from stdin',
        copyRows(run.ledger.map((e) => [id, e.line, e.chave, e.issuedDate, e.total])),
      );
    }
    return id;
  });
}

/** Scheduled runs for every tenant (once per tick); returns their ids. */
export async function createScheduledRuns(
  db: Db,
  tick: Date,
  timeZone: string,
  windowDays: number,
): Promise<string[]> {
  return (
    await db.query<{ id: string }>('insert-scheduled-reconciliations', [tick, timeZone, windowDays])
  ).rows.map((r) => r.id);
}

const CHECKS = [
  'reconcile-numbering-gaps',
  'reconcile-failed-documents',
  'reconcile-totals-mismatch',
  'reconcile-loaded-with-warnings',
  'reconcile-cancelled-after-export',
] as const;

/** How a run ended, and its findings by kind. */
export interface ReconciliationOutcome {
  readonly state: 'completed' | 'skipped';
  readonly findings: Readonly<Record<string, number>>;
}

export async function runReconciliation(
  db: Db,
  runId: string,
  options: ReconcileOptions,
): Promise<ReconciliationOutcome> {
  return db.withTransaction(async (tx) => {
    const run = (
      await tx.query<{
        id: string;
        tenant_id: string;
        period_start: string;
        period_end: string;
        has_ledger: boolean;
      }>('lock-reconciliation-run', [runId])
    ).rows[0];
    if (run === undefined) return { state: 'skipped', findings: {} };
    await tx.query('start-reconciliation-run', [runId]);
    const period = [runId, run.tenant_id, run.period_start, run.period_end];
    for (const check of CHECKS) await tx.query(check, period);
    await tx.query('reconcile-stuck-work', [runId, run.tenant_id, options.stuckMinutes]);
    await tx.query('reconcile-lone-cancellations', [...period, options.cancellationGraceHours]);
    if (run.has_ledger) await tx.query('reconcile-ledger', period);
    const summary = (await tx.query<{ summary: unknown }>('reconcile-summary', period)).rows[0]
      .summary;
    await tx.query('finish-reconciliation-run', [
      runId,
      'completed',
      JSON.stringify(summary),
      null,
    ]);
    return {
      state: 'completed',
      findings: (summary as { findings: Record<string, number> }).findings,
    };
  });
}

export async function failReconciliation(db: Db, runId: string, error: string): Promise<void> {
  await db.query('finish-reconciliation-run', [runId, 'failed', null, error.slice(0, 500)]);
}
