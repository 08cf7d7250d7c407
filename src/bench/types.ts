export interface BenchTable {
  title: string;
  header: string[];
  rows: (string | number)[][];
  notes?: string[];
}

export interface Benchmark {
  name: string;
  /** one table, or several */
  run(): Promise<BenchTable | BenchTable[]>;
}

/** Median wall time in milliseconds of `fn` over `reps` runs after one warm-up. */
export async function medianMs(fn: () => unknown | Promise<unknown>, reps = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
