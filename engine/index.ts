/** The engine's public surface: what api/ and scheduler/ may import. */
export { checkDocument, DEFAULT_MAX_DOCUMENT_BYTES } from './check-document';
export type { CheckOptions, DocumentKind, DocumentVerdict } from './check-document';
export { VERDICT_CODES, VerdictError, isVerdictCode } from './codes';
export type { VerdictCode } from './codes';
export type * from './parse/types';
export type { SignatureCheck } from './signature/verify-signature';
export type { CertificateFacts } from './signature/certificate';
export { loadConfig, ConfigError } from './config';
export type { Config } from './config';
export { createDb, isTransientDbError, sql } from './db';
export type { Db, Tx, Queryable } from './db';
export { createLogger, safeError, silentLogger } from './logger';
export type { Logger } from './logger';
export { ERROR_CODES, NfeError, isOutOfSpace } from './errors';
export type { ErrorCode } from './errors';
export {
  QUEUES,
  createIngestQueue,
  createRedis,
  createWebhookQueue,
  enqueueChunks,
  jobIds,
} from './queue/queues';
export type { IngestJob, ReconciliationJob } from './queue/queues';
export { receiveUpload, spoolUpload, uploadKind, uploadLimits } from './ingest/spool-upload';
export type { ReceivedUpload, SpooledUpload, UploadLimits } from './ingest/spool-upload';
export { threadedUploadStore, uploadStoreOptions } from './ingest/upload-store';
export type { StoredUpload, UploadStore } from './ingest/upload-store';
export { batchJson, storeBatch } from './ingest/store-batch';
export type { BatchRow } from './ingest/store-batch';
export { findKeyOwner } from './tenants/api-keys';
export { onShutdown } from './shutdown';
export { ensureDatabase, migrate, prepareDatabase } from './migrate';
export { declaredEncodingOf } from './xml/scan-xml';
export { isWellFormedKey } from './validate/access-key';
export { SCHEDULES, effectiveSchedules } from './schedules';
export type { Schedule } from './schedules';
export { createMaintenanceQueue } from './queue/queues';
export { createMetrics, createMetricsRegistry } from './metrics';
export type { Metrics } from './metrics';
export { startFleetSampler } from './fleet-metrics';
export { within } from './within';
export { startOpsServer } from './ops-server';
export { exportCsv, listInvoices, parseInvoiceFilters } from './query/invoice-query';
export type { InvoiceFilters } from './query/invoice-query';
export { signWebhook } from './webhooks/deliver-webhook';
export { createReconciliationQueue, enqueueReconciliations } from './queue/queues';
export { createReconciliationRun } from './reconcile/run-reconciliation';
export { parseLedgerCsv, parseLedgerJson } from './reconcile/ledger';
export type { LedgerEntry } from './reconcile/ledger';
export { copyToCsv, inline } from './query/invoice-query';
