import os from 'node:os';

/**
 * The one place that reads process.env. Every variable is parsed and validated at start; a bad
 * configuration fails with the list of every bad variable, not the first one.
 */
export interface Config {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** Prefix of every BullMQ key in Redis (several deployments or test runs can share a Redis). */
  readonly queuePrefix: string;
  readonly logLevel: string;
  readonly apiHost: string;
  readonly apiPort: number;
  /** Whole request body (a zip or a multipart upload). */
  readonly uploadMaxBytes: number;
  /** Documents in one upload, zip entries included. */
  readonly uploadMaxEntries: number;
  /** Uploads an API process stores into PostgreSQL at once (the rest are spooled and wait). */
  readonly uploadStoreConcurrency: number;
  /**
   * Niceness of the thread that examines and stores uploads (Linux: that thread only): storing is
   * batch work, the API's event loop answers requests ahead of it.
   */
  readonly uploadStoreNice: number;
  /** One document (a zip entry or an XML part). */
  readonly documentMaxBytes: number;
  /** Inflated / compressed size of a zip entry beyond which it is treated as a zip bomb. */
  readonly zipMaxRatio: number;
  /** Inflated bytes of all the zips in one upload. */
  readonly zipMaxInflatedBytes: number;
  readonly tmpDir: string;
  /** Documents per chunk: the unit of work of one job and one COPY. */
  readonly chunkSize: number;
  readonly workerConcurrency: number;
  /** 'copy' (COPY into staging, then merge) or 'insert' (row by row: the benchmark's reference). */
  /**
   * copy: the product. insert: row-by-row INSERTs (benchmark reference for the load). reference:
   * the whole straightforward pipeline — xml-crypto, fast-xml-parser, row-by-row INSERTs.
   */
  readonly loadMode: 'copy' | 'insert' | 'reference';
  readonly jobAttempts: number;
  readonly jobBackoffMs: number;
  /** How often a worker looks for stored documents without a live job. */
  readonly sweepIntervalMs: number;
  /** How old a pending document must be before the sweep re-enqueues it. */
  readonly sweepGraceMs: number;
  /** BullMQ lock: a job whose worker died is taken back after this long. */
  readonly jobLockMs: number;
  readonly shutdownTimeoutMs: number;
  /** Requests per minute per API key (0 disables). */
  readonly rateLimitPerMinute: number;
  /**
   * How long an API process trusts what it looked up about a key (0: every request asks the
   * database). A revoked key is refused at most this long after the revocation.
   */
  readonly apiKeyCacheMs: number;
  readonly dbPoolSize: number;
  /** Webhooks: time allowed per attempt, backoff between attempts, and how long to keep trying. */
  readonly webhookTimeoutMs: number;
  readonly webhookRetryBaseMs: number;
  readonly webhookRetryMaxMs: number;
  readonly webhookMaxAgeMs: number;
  /** Reconciliation: when work counts as stuck, how long a cancellation may wait for its invoice, the nightly window and time zone. */
  readonly reconcileStuckMinutes: number;
  readonly reconcileCancellationGraceHours: number;
  readonly reconcileWindowDays: number;
  readonly reconcileTimeZone: string;
  /** Rejected documents' bytes are purged after this many days (0: kept forever). */
  readonly rejectedRetentionDays: number;
  /** Cron overrides per schedule id (SCHEDULE_<ID>_CRON, ID in upper snake case). */
  readonly scheduleCrons: Readonly<Record<string, string>>;
  /** Internal /health and /metrics address of a worker or scheduler (0: none). */
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** How often the scheduler samples the system-wide gauges (queues, backlog, dependencies). */
  readonly metricsSampleMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const str = (name: string, fallback: string): string => {
    const v = env[name];
    return v === undefined || v === '' ? fallback : v;
  };
  const int = (
    name: string,
    fallback: number,
    min: number,
    max = Number.MAX_SAFE_INTEGER,
  ): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}=${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const url = (name: string, fallback: string, protocols: string[]): string => {
    const v = str(name, fallback);
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol))
        problems.push(`${name} must use ${protocols.join(' or ')}`);
    } catch {
      problems.push(`${name} is not a URL`);
    }
    return v;
  };
  const oneOf = <T extends string>(name: string, fallback: T, allowed: readonly T[]): T => {
    const v = str(name, fallback);
    if (!(allowed as readonly string[]).includes(v)) {
      problems.push(`${name}=${JSON.stringify(v)} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return v as T;
  };
  const MiB = 1024 * 1024;

  const config: Config = {
    databaseUrl: url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/nfe_ingest', [
      'postgres:',
      'postgresql:',
    ]),
    redisUrl: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    queuePrefix: str('QUEUE_PREFIX', 'nfe'),
    logLevel: oneOf('LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    apiHost: str('API_HOST', '127.0.0.1'),
    apiPort: int('API_PORT', 8000, 0, 65535),
    uploadMaxBytes: int('UPLOAD_MAX_BYTES', 512 * MiB, 1024),
    uploadMaxEntries: int('UPLOAD_MAX_ENTRIES', 100_000, 1),
    uploadStoreConcurrency: int('UPLOAD_STORE_CONCURRENCY', 1, 1, 64),
    uploadStoreNice: int('UPLOAD_STORE_NICE', 10, 0, 19),
    documentMaxBytes: int('DOCUMENT_MAX_BYTES', 5 * MiB, 1024),
    zipMaxRatio: int('ZIP_MAX_RATIO', 200, 2),
    zipMaxInflatedBytes: int('ZIP_MAX_INFLATED_BYTES', 4096 * MiB, MiB),
    tmpDir: str('TMP_DIR', os.tmpdir()),
    chunkSize: int('CHUNK_SIZE', 500, 1, 10_000),
    workerConcurrency: int('WORKER_CONCURRENCY', 1, 1, 64),
    loadMode: oneOf('LOAD_MODE', 'copy', ['copy', 'insert', 'reference'] as const),
    jobAttempts: int('JOB_ATTEMPTS', 12, 1, 1000),
    jobBackoffMs: int('JOB_BACKOFF_MS', 1000, 10),
    sweepIntervalMs: int('SWEEP_INTERVAL_MS', 30_000, 100),
    sweepGraceMs: int('SWEEP_GRACE_MS', 60_000, 0),
    jobLockMs: int('JOB_LOCK_MS', 30_000, 1000),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 20_000, 100),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 600, 0),
    apiKeyCacheMs: int('API_KEY_CACHE_MS', 10_000, 0, 300_000),
    dbPoolSize: int('DB_POOL_SIZE', 10, 1, 200),
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10_000, 100),
    webhookRetryBaseMs: int('WEBHOOK_RETRY_BASE_MS', 30_000, 10),
    webhookRetryMaxMs: int('WEBHOOK_RETRY_MAX_MS', 3_600_000, 10),
    webhookMaxAgeMs: int('WEBHOOK_MAX_AGE_MS', 48 * 3_600_000, 1000),
    reconcileStuckMinutes: int('RECONCILE_STUCK_MINUTES', 30, 0),
    reconcileCancellationGraceHours: int('RECONCILE_CANCELLATION_GRACE_HOURS', 24, 0),
    reconcileWindowDays: int('RECONCILE_WINDOW_DAYS', 7, 1, 366),
    reconcileTimeZone: str('RECONCILE_TZ', 'America/Sao_Paulo'),
    rejectedRetentionDays: int('REJECTED_RETENTION_DAYS', 180, 0),
    scheduleCrons: Object.fromEntries(
      Object.entries(env)
        .filter(([k, v]) => /^SCHEDULE_[A-Z0-9_]+_CRON$/.test(k) && v)
        .map(([k, v]) => [k.slice(9, -5).toLowerCase().replace(/_/g, '-'), v as string]),
    ),
    metricsHost: str('METRICS_HOST', '127.0.0.1'),
    metricsPort: int('METRICS_PORT', 0, 0, 65535),
    metricsSampleMs: int('METRICS_SAMPLE_MS', 5000, 100),
  };
  if (config.uploadMaxEntries > 1_000_000)
    problems.push('UPLOAD_MAX_ENTRIES must be at most 1000000');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
