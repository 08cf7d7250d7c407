/**
 * Tracing a model compiled with float inputs and outputs (`compile --io float`: a QUANTIZE first, a DEQUANTIZE last),
 * through the CLI as a user runs it. Before 2026-12-07 black-box tracing refused such a model ("operator QUANTIZE"),
 * and once it was read, `trace --hard-labels` failed part-way with E_RUNTIME ("Cannot perform
 * %TypedArray%.prototype.values on a detached ArrayBuffer"): the TFLite runtime hands a float32 output back as a view
 * of its WebAssembly memory, and after the memory grew during an inference — here while the pruned references were
 * searched, after about 112,000 runs — that view was detached (src/tflite/oracle.ts now reads such an output through a
 * fresh view).
 */
import { createHash } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { compileModel } from '../../src/compiler/compile';
import { deriveTraceKey } from '../../src/keys/derive';
import { embedTraceCode } from '../../src/trace/embed';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { readTflite } from '../../src/tflite/reader';
import { loadMnist } from '../../src/data/mnist';
import { simulatedUids } from '../helpers/mnist-boards';
import { keyDir, ROOT, runCli } from '../helpers/cli';

const MASTER = createHash('sha256').update('edgelock float-io trace test master').digest();

test('a float-I/O LeNet: its board is named from its scores and from its decisions, the base model names nobody', async () => {
  const calib = loadMnist('train');
  const onnx = readFileSync(join(ROOT, 'models/mnist-lenet.onnx'));
  const base = (
    await compileModel(new Uint8Array(onnx), {
      precision: 'int8',
      io: 'float',
      calibration: { data: calib.images.subarray(0, 500 * 784), count: 500, sampleShape: [1, 28, 28] },
    })
  ).bytes;
  const ops = readTflite(base).subgraphs[0].operators.map((o) => o.op);
  expect([ops[0], ops[ops.length - 1]]).toEqual(['QUANTIZE', 'DEQUANTIZE']);
  const uids = simulatedUids('f10a', 50);
  const leaked = embedTraceCode(base, deriveTraceKey(MASTER), Buffer.from(uids[17], 'hex'), DEFAULT_TRACE_PARAMS);
  const { dir, key } = keyDir('el-float-io-', MASTER);
  const files = { base: join(dir, 'base.tflite'), leak: join(dir, 'leak.tflite'), devices: join(dir, 'uids.txt') };
  writeFileSync(files.base, base);
  writeFileSync(files.leak, leaked.bytes);
  writeFileSync(files.devices, uids.join('\n') + '\n');
  const trace = (model: string, ...more: string[]) => {
    const r = runCli([
      'trace',
      '--base',
      files.base,
      '--key',
      key,
      '--devices',
      files.devices,
      '--model',
      model,
      '--black-box',
      '--json',
      ...more,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as { named: { uid: string }[]; best: { uid: string; z: number } };
  };
  const scores = trace(files.leak, '--queries', '150');
  expect(scores.named.map((b) => b.uid)).toEqual([uids[17]]);
  // the boundary probes and the pruned references' search: the run that failed
  const decisions = trace(files.leak, '--hard-labels');
  expect(decisions.named.map((b) => b.uid)).toEqual([uids[17]]);
  expect(trace(files.base, '--queries', '150').named).toEqual([]);
}, 600_000);
