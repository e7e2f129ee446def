import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Config, Db, IngestJob, Logger, ReconciliationJob } from '../engine/index';

/** What the API needs from the outside world; built by main.ts, replaced in tests. */
export interface AppDeps {
  readonly db: Db;
  readonly redis: Redis;
  readonly queue: Queue<IngestJob>;
  readonly reconciliationQueue: Queue<ReconciliationJob>;
  readonly config: Config;
  readonly logger: Logger;
  /** Prometheus registry served at /metrics on the API's own (internal) port. */
  readonly registry?: Registry;
}

/** Per-request state set by the middleware. */
export interface AppState {
  reqId: string;
  log: Logger;
  tenantId: string;
  keyId: string;
}
