import { E2EOptions, E2EResult, dataset, describe, runE2E } from './e2e.bench';

/**
 * `npm run bench:e2e` — the product against the reference pipeline, through the whole topology.
 * `npm run bench:e2e -- scaling` — how cost grows with the number of documents and items.
 * Sizes: BENCH_E2E_DOCS (50,000), BENCH_E2E_REFERENCE_DOCS (10,000, measured in two halves, one
 * before the product and one after), BENCH_E2E_CLIENTS (4),
 * BENCH_E2E_WORKERS (2).
 */
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

function options(label: string, documents: number, extra: Partial<E2EOptions> = {}): E2EOptions {
  return {
    label,
    documents,
    loadMode: 'copy',
    clients: env('BENCH_E2E_CLIENTS', 4),
    documentsPerZip: 1000,
    workers: env('BENCH_E2E_WORKERS', 2),
    statusReadsPerSecond: 20,
    ...extra,
  };
}

async function measure(o: E2EOptions): Promise<E2EResult> {
  const result = await runE2E(o);
  console.log(describe(result));
  return result;
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'main';
  if (mode === 'main') {
    // The reference runs in two halves, one before the product and one after: this machine's
    // speed drifts within minutes, and the ratio should compare the two at the same moment.
    const productRun = options('product', env('BENCH_E2E_DOCS', 50_000));
    const half = Math.ceil(env('BENCH_E2E_REFERENCE_DOCS', 10_000) / 2);
    const referenceRun = (label: string): E2EOptions =>
      options(label, half, { loadMode: 'reference' });
    for (const o of [productRun, referenceRun('reference')])
      await dataset(o.documents, o.items, o.documentsPerZip);
    const before = await measure(referenceRun('reference-before'));
    const product = await measure(productRun);
    const after = await measure(referenceRun('reference-after'));
    const referenceRate = (2 * half) / (before.seconds + after.seconds);
    console.log(
      `\nend to end: ${product.docsPerSecond.toFixed(0)} docs/s (target ≥ 1,000), ` +
        `${(product.docsPerSecond / referenceRate).toFixed(1)}× the reference pipeline ` +
        `(${referenceRate.toFixed(1)} docs/s: ${before.docsPerSecond.toFixed(1)} before the product, ${after.docsPerSecond.toFixed(1)} after; target ≥ 30×), ` +
        `status reads p99 ${product.statusMs.p99.toFixed(1)} ms under load (target < 50 ms)`,
    );
  } else if (mode === 'scaling') {
    const rows: E2EResult[] = [];
    for (const n of [5_000, 50_000, 200_000]) rows.push(await measure(options(`docs-${n}`, n)));
    for (const items of [1, 10, 100])
      rows.push(await measure(options(`items-${items}`, 10_000, { items })));
    console.log('\n| documents | items/doc | docs/s | items/s | docs/s by tenth (first → last) |');
    console.log('| ---: | ---: | ---: | ---: | --- |');
    for (const r of rows)
      console.log(
        `| ${r.options.documents.toLocaleString('en-US')} | ${(r.items / r.options.documents).toFixed(1)} | ${r.docsPerSecond.toFixed(0)} | ${(r.items / r.seconds).toFixed(0)} | ${r.tenths.map((t) => t.toFixed(0)).join(' ')} |`,
      );
  } else {
    throw new Error(`unknown mode ${mode}: main or scaling`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
