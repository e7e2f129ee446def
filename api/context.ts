import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import {
  Config,
  Db,
  IngestJob,
  Logger,
  Metrics,
  ReconciliationJob,
  UploadStore,
} from '../engine/index';

/** What the API needs from the outside world; built by main.ts, replaced in tests. */
export interface AppDeps {
  readonly db: Db;
  /** Examines and stores received uploads (a thread of its own in a running API). */
  readonly uploads: UploadStore;
  readonly redis: Redis;
  readonly queue: Queue<IngestJob>;
  readonly reconciliationQueue: Queue<ReconciliationJob>;
  readonly config: Config;
  readonly logger: Logger;
  /** Recorded as requests are served; its registry is served at /metrics (internal port). */
  readonly metrics: Metrics;
}

/** Per-request state set by the middleware. */
export interface AppState {
  reqId: string;
  log: Logger;
  tenantId: string;
  keyId: string;
}
