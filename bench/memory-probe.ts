import { readFileSync } from 'node:fs';
import { checkDocument } from '../engine/check-document';

/**
 * Run in a fresh process by engine.bench.ts: peak RSS (getrusage maxRSS) above the baseline of a
 * process that has loaded the engine, read the file and checked a small document.
 */
const bytes = readFileSync(process.argv[2]);
checkDocument(Buffer.from('<a/>'));
(globalThis as { gc?: () => void }).gc?.();
const baselineRss = process.resourceUsage().maxRSS;
const baselineHeap = process.memoryUsage().heapUsed;
const t0 = process.hrtime.bigint();
const v = checkDocument(bytes, { maxBytes: 64 * 1024 * 1024 });
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const heapAfter = process.memoryUsage().heapUsed;
const peakRss = process.resourceUsage().maxRSS;
process.stdout.write(
  JSON.stringify({
    peakRssDeltaMiB: (peakRss - baselineRss) / 1024,
    heapDeltaMiB: (heapAfter - baselineHeap) / 1024 / 1024,
    ms,
    ok: v.ok,
    items: v.document?.type === 'invoice' ? v.document.items.length : 0,
  }),
);
