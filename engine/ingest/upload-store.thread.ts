import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createDb } from '../db';
import { createLogger } from '../logger';
import { asBuffer } from '../xml/scan-xml';
import { Part } from './spool-upload';
import {
  StoreReply,
  StoreRequest,
  UploadStoreThreadOptions,
  examineAndStore,
  sendableError,
} from './upload-store';

/** The upload store thread (see threadedUploadStore): one request in, one reply out. */
const options = workerData as UploadStoreThreadOptions;
const port = parentPort;
if (port === null) throw new Error('upload-store.thread.js runs as a worker thread');

const logger = createLogger('api', options.logLevel);
if (options.nice > 0 && process.platform === 'linux') {
  try {
    // On Linux a niceness belongs to a thread: this one only, not the API's event loop.
    os.setPriority(0, options.nice);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not lower the upload store priority');
  }
}
const db = createDb({
  databaseUrl: options.databaseUrl,
  applicationName: options.applicationName,
  poolSize: options.concurrency + 1,
  logger,
});

const inFlight = new Set<Promise<void>>();

port.on('message', (request: StoreRequest) => {
  if ('close' in request) {
    void (async () => {
      await Promise.allSettled(inFlight);
      await db.close();
      port.close();
    })();
    return;
  }
  const parts: Part[] = request.received.parts.map((p) =>
    p.kind === 'xml' ? { ...p, bytes: asBuffer(p.bytes) } : p,
  );
  const work = examineAndStore(
    db,
    options.limits,
    { bodyBytes: request.received.bodyBytes, parts },
    request.batch,
  ).then(
    (stored) => port.postMessage({ id: request.id, ok: true, stored } satisfies StoreReply),
    (err: unknown) =>
      port.postMessage({
        id: request.id,
        ok: false,
        error: sendableError(err),
      } satisfies StoreReply),
  );
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work));
});
