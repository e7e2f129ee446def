/** Timing helpers shared by the benchmarks: warm up, then best of three runs. */
export interface BenchResult {
  readonly name: string;
  readonly inputs: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly checksum: number;
}

export function measure(name: string, inputs: number, fn: () => number): BenchResult {
  fn(); // warm-up: JIT, caches
  let best = Number.POSITIVE_INFINITY;
  let checksum = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = process.hrtime.bigint();
    checksum = fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, seconds);
  }
  return { name, inputs, seconds: best, perSecond: inputs / best, checksum };
}

export function report(results: readonly BenchResult[]): void {
  const width = Math.max(...results.map((r) => r.name.length));
  console.log(
    `\n${'measurement'.padEnd(width)}  ${'docs'.padStart(6)}  ${'seconds'.padStart(8)}  ${'docs/s'.padStart(9)}`,
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(width)}  ${String(r.inputs).padStart(6)}  ${r.seconds.toFixed(3).padStart(8)}  ${r.perSecond.toFixed(0).padStart(9)}`,
    );
  }
}
