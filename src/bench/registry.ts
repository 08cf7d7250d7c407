import { importPasses } from './import-passes';
import { compileBench } from './compile';
import { trainerThroughput } from '../train/bench';
import { Benchmark } from './types';

/** Every benchmark `npm run bench` runs, in order. `npm run bench -- <name>` runs one. */
export const BENCHMARKS: Benchmark[] = [importPasses, compileBench, trainerThroughput];
