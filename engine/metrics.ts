import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process, with the process defaults (CPU, memory, event-loop lag,
 * GC) labelled by process name, and the metrics of the pipeline. Label values are bounded: routes
 * are templates, codes come from the verdict table, queues and stages are fixed names — never a
 * chave, a CNPJ or a tenant name.
 */
export function createMetricsRegistry(
  processName: string,
  options: { defaults?: boolean } = {},
): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  if (options.defaults ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Metrics a process records as work happens (counters and histograms). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpInFlight: Gauge;
  readonly uploadBytes: Counter;
  readonly uploadDocuments: Counter;
  readonly documents: Counter<'verdict' | 'code'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly copyRows: Counter<'table'>;
  readonly copyBytes: Counter<'table'>;
  readonly chunkSize: Histogram;
  readonly jobRetries: Counter<'queue'>;
  readonly jobFailures: Counter<'queue'>;
  readonly sweepReenqueued: Counter;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly reconciliationRuns: Counter<'outcome'>;
  readonly reconciliationFindings: Counter<'kind'>;
}

export function createMetrics(processName: string, options: { defaults?: boolean } = {}): Metrics {
  const registry = createMetricsRegistry(processName, options);
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'nfe_http_requests_total',
      help: 'HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'nfe_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    httpInFlight: new Gauge({
      name: 'nfe_http_requests_in_flight',
      help: 'HTTP requests being served',
      registers,
    }),
    uploadBytes: new Counter({
      name: 'nfe_upload_bytes_total',
      help: 'Bytes of uploads stored as batches',
      registers,
    }),
    uploadDocuments: new Counter({
      name: 'nfe_upload_documents_total',
      help: 'Documents stored from uploads',
      registers,
    }),
    documents: new Counter({
      name: 'nfe_documents_total',
      help: 'Documents given a verdict, by verdict and (for rejections) code',
      labelNames: ['verdict', 'code'],
      registers,
    }),
    stageDuration: new Histogram({
      name: 'nfe_stage_duration_seconds',
      help: 'Seconds per document to verify and to parse, per chunk to load (COPY and merge)',
      labelNames: ['stage'],
      buckets: [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        5, 10,
      ],
      registers,
    }),
    copyRows: new Counter({
      name: 'nfe_copy_rows_total',
      help: 'Rows loaded with COPY, by table',
      labelNames: ['table'],
      registers,
    }),
    copyBytes: new Counter({
      name: 'nfe_copy_bytes_total',
      help: 'Bytes sent with COPY, by table',
      labelNames: ['table'],
      registers,
    }),
    chunkSize: new Histogram({
      name: 'nfe_chunk_documents',
      help: 'Documents per processed chunk',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    jobRetries: new Counter({
      name: 'nfe_job_retries_total',
      help: 'Job attempts that failed and will be retried, by queue',
      labelNames: ['queue'],
      registers,
    }),
    jobFailures: new Counter({
      name: 'nfe_job_failures_total',
      help: 'Jobs that failed for good, by queue',
      labelNames: ['queue'],
      registers,
    }),
    sweepReenqueued: new Counter({
      name: 'nfe_recovery_sweep_reenqueued_total',
      help: 'Chunks the recovery sweep enqueued again (job lost or failed)',
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'nfe_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    reconciliationRuns: new Counter({
      name: 'nfe_reconciliation_runs_total',
      help: 'Reconciliation runs by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    reconciliationFindings: new Counter({
      name: 'nfe_reconciliation_findings_total',
      help: 'Reconciliation findings by kind',
      labelNames: ['kind'],
      registers,
    }),
  };
}

/** What a processed chunk tells the metrics (see load/process-chunk.ts). */
export interface ChunkFacts {
  readonly documents: number;
  readonly verdicts: readonly { readonly verdict: string; readonly code: string | null }[];
  readonly timings: {
    readonly verify: readonly number[];
    readonly parse: readonly number[];
    readonly load: number;
  };
}

export function recordChunk(metrics: Metrics, facts: ChunkFacts): void {
  metrics.chunkSize.observe(facts.documents);
  const tally = new Map<string, number>();
  for (const v of facts.verdicts) {
    // Only rejections carry a code; the others' codes are explanations, not failures.
    const key = `${v.verdict}\u0000${v.verdict === 'rejected' ? (v.code ?? 'none') : 'none'}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  for (const [key, n] of tally) {
    const [verdict, code] = key.split('\u0000');
    metrics.documents.inc({ verdict, code }, n);
  }
  const verify = metrics.stageDuration.labels({ stage: 'verify' });
  for (const s of facts.timings.verify) verify.observe(s);
  const parse = metrics.stageDuration.labels({ stage: 'parse' });
  for (const s of facts.timings.parse) parse.observe(s);
  if (facts.timings.load > 0) metrics.stageDuration.observe({ stage: 'load' }, facts.timings.load);
}
