import { E2EOptions, E2EResult, describe, runE2E } from './e2e.bench';

/**
 * `npm run bench:e2e` — the product against the reference pipeline, through the whole topology.
 * `npm run bench:e2e -- scaling` — how cost grows with the number of documents and items.
 * Sizes: BENCH_E2E_DOCS (50,000), BENCH_E2E_REFERENCE_DOCS (10,000), BENCH_E2E_CLIENTS (4),
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
    const product = await measure(options('product', env('BENCH_E2E_DOCS', 50_000)));
    const reference = await measure(
      options('reference', env('BENCH_E2E_REFERENCE_DOCS', 10_000), { loadMode: 'reference' }),
    );
    console.log(
      `\nend to end: ${product.docsPerSecond.toFixed(0)} docs/s (target ≥ 1,000), ` +
        `${(product.docsPerSecond / reference.docsPerSecond).toFixed(1)}× the reference pipeline ` +
        `(${reference.docsPerSecond.toFixed(1)} docs/s; target ≥ 30×), ` +
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
