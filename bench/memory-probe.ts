import { readFileSync } from 'node:fs';
import { checkDocument } from '../engine/check-document';

/**
 * Run in a fresh process by engine.bench.ts: the process peak RSS (getrusage maxRSS) after the
 * check, minus the RSS just before it, in a process that has loaded the engine, read the file and
 * checked a small document. An upper bound: an earlier, higher peak would count too.
 */
const bytes = readFileSync(process.argv[2]);
checkDocument(Buffer.from('<a/>'));
(globalThis as { gc?: () => void }).gc?.();
const baselineRss = process.memoryUsage().rss / 1024;
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
