import { createSigners } from '../engine/testkit/hostile-documents';
import { engineBench, memoryBench } from './engine.bench';

/** `npm run bench`: every benchmark, figures and ratios printed. BENCH_DOCS scales the engine run. */
async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  if (which === 'all' || which === 'engine') {
    await engineBench(Number(process.env.BENCH_DOCS ?? 5000));
  }
  if (which === 'memory') memoryBench(createSigners().main);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
