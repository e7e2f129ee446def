import { createSigners } from '../engine/testkit/hostile-documents';
import { engineBench, memoryBench } from './engine.bench';
import { pipelineBench } from './pipeline.bench';
import { exportBench } from './export.bench';
import { reconcileBench } from './reconcile.bench';

/** `npm run bench`: every benchmark, figures and ratios printed. BENCH_DOCS scales the engine run. */
async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  if (which === 'all' || which === 'engine') {
    await engineBench(Number(process.env.BENCH_DOCS ?? 5000));
  }
  if (which === 'memory') memoryBench(createSigners().main);
  if (which === 'all' || which === 'export') await exportBench(100_000, 10);
  if (which === 'all' || which === 'reconcile') await reconcileBench(1_000_000);
  if (which === 'all' || which === 'pipeline') {
    await pipelineBench(
      Number(process.env.BENCH_PIPELINE_DOCS ?? 20_000),
      Number(process.env.BENCH_WORKERS ?? 2),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
