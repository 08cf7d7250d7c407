// onnxruntime-node creates and checks typed arrays in the host realm (`instanceof Float32Array`),
// so tests that call it need the host's typed-array constructors instead of the sandbox's own.
// Test files opt in with a `@jest-environment ./test/zoo/ort-environment.js` docblock.
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
