/**
 * Compiling a locked ONNX model: unlock it with the key material (key id checked), compile the
 * plain model with the ordinary back end, then lock the int8 constants of the result for the
 * device under a key bound to the compiled model (src/lock/model-binding.ts) and stamp the
 * locked ONNX's hash as the source. The output uses stock TFLM builtins only; the lock is data
 * (sealed buffers + a metadata descriptor), not graph structure.
 */
import { CompileOptions, CompileResult, compileModel } from '../compiler/compile';
import { sha256Hex, stampProvenance } from '../compiler/compile-float';
import { readOnnx, writeOnnx } from '../onnx';
import { requireDescriptor, unlockWithKey } from './lock-model';
import { KeyMaterial, resolveLockKey } from './key-material';
import { sealTflite } from './tflite-lock';
import { TfliteLockDescriptor } from './tflite-descriptor';

export interface LockedCompileResult extends CompileResult {
  lock: TfliteLockDescriptor;
}

export async function compileLocked(
  lockedOnnx: Uint8Array,
  material: KeyMaterial,
  opts: CompileOptions,
): Promise<LockedCompileResult> {
  const locked = readOnnx(lockedOnnx, opts.file);
  const d = requireDescriptor(locked);
  const key = resolveLockKey(material, d);
  try {
    const plain = writeOnnx(unlockWithKey(locked, d, key));
    const result = await compileModel(plain, opts);
    const lockedSha = sha256Hex(lockedOnnx);
    stampProvenance(result.graph, lockedSha, opts.precision);
    const { bytes, lock } = sealTflite(result.graph, key, d);
    return {
      ...result,
      bytes,
      lock,
      summary: { ...result.summary, sourceSha256: lockedSha, modelBytes: bytes.length },
    };
  } finally {
    key.fill(0);
  }
}
