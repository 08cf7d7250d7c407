import { importPasses } from './import-passes';
import { compileBench } from './compile';
import { trainSpeed } from './train-speed';
import { deviceBench } from './device';
import { provisionBench } from './provision';
import { flashBench } from './flash';
import { responseMarkBench } from './response-mark';
import { Benchmark } from './types';

/** Every benchmark `npm run bench` runs, in order. `npm run bench -- <name>` runs one. */
export const BENCHMARKS: Benchmark[] = [
  importPasses,
  compileBench,
  trainSpeed,
  deviceBench,
  provisionBench,
  flashBench,
  responseMarkBench,
];
