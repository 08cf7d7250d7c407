/**
 * Writes the C runtime's operator header from the builtin descriptors (src/tflite/builtins.ts):
 *   firmware-tools/runtime/el_ops.h
 * Run: npx tsx scripts/gen-ops.ts   (test/tflite/ops-header.test.ts checks it is up to date)
 */
import * as fs from 'fs';
import * as path from 'path';
import { OPS_HEADER_PATH, renderOpsHeader } from '../src/tflite/c-header';

const file = path.join(path.resolve(__dirname, '..'), OPS_HEADER_PATH);
fs.writeFileSync(file, renderOpsHeader());
console.log(`wrote ${OPS_HEADER_PATH}`);
