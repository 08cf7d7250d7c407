/**
 * onnxruntime-node creates output typed arrays in Node's main realm, while jest runs test code
 * (and onnxruntime-common's `instanceof Float32Array` checks) in a sandbox realm with its own
 * typed-array constructors, so every run fails with "A float32 tensor's data must be type of
 * function Float32Array()". Importing this module first makes the sandbox use the main realm's
 * typed-array constructors, so both sides agree.
 */
import * as vm from 'vm';

const NAMES = ['Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];
const g = globalThis as Record<string, unknown>;
for (const name of NAMES) g[name] = vm.runInThisContext(name);
