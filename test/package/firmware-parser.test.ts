/**
 * The firmware's package parser (firmware-tools/core/package.c) built for the host with ASan+UBSan: host-built
 * packages (with and without optional records) parse; 200k random mutations never make it read outside the buffer,
 * and every accepted mutant yields in-bounds, aligned record pointers. The board-level behaviour (which status for
 * which tampered byte) is tested on real firmware in test/factory/flash.test.ts.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { decodePackage } from '../../src/package/decode';
import { encodePackage } from '../../src/package/encode';
import { ScoreOffsetsParams } from '../../src/package/score-offsets';
import { EdgelockError } from '../../src/errors';
import { fcModelOfSize } from '../device/models';
import { CORE_DIR, buildSanitizedTool } from '../firmware/firmware-sources';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'build', 'test', 'package_mutate');

function build(): string {
  // package.c needs the key store, HMAC/HKDF/SHA-256 and the board's uid only in el_package_verify; link the core
  // pieces it uses and the simulated board.
  const src = [
    'package.c',
    'score_offsets_record.c',
    'sha256.c',
    'hmac.c',
    'hkdf.c',
    'keystore.c',
    'record.c',
    'crc32.c',
    'storage.c',
    'identity.c',
  ].map((f) => path.join(CORE_DIR, f));
  return buildSanitizedTool(OUT, [
    '-I',
    CORE_DIR,
    '-I',
    path.join(ROOT, 'test', 'firmware', 'c'),
    ...src,
    path.join(ROOT, 'test', 'firmware', 'c', 'sim_board.c'),
    path.join(__dirname, '..', 'factory', 'c', 'package_mutate.c'),
  ]);
}

/** A valid score-offsets record: 4 × 4 moments on a 7 × 7 grid of 28 × 28 × 1 inputs, identity whitening. */
const OFFSETS: ScoreOffsetsParams = {
  degrees: 4,
  grid: 7,
  height: 28,
  width: 28,
  channels: 1,
  delta: 5,
  clip: 2.5,
  mean: new Float32Array(16).fill(1000),
  whiten: Float32Array.from({ length: 256 }, (_, i) => (i % 17 === 0 ? 1e-4 : 0)),
};

function runTool(lines: string[]): string[] {
  return execFileSync(build(), [], {
    input: lines.join('\n') + '\n',
    maxBuffer: 1 << 20,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
  })
    .toString()
    .trim()
    .split('\n');
}

/** Each package accepted or rejected by the host's decoder and by the firmware's parser. */
function verdicts(packages: Buffer[]): { host: string[]; firmware: string[] } {
  const host = packages.map((p) => {
    try {
      decodePackage(p);
      return 'accepted';
    } catch (e) {
      if (!(e instanceof EdgelockError) || e.code !== 'E_PACKAGE_INVALID') throw e;
      return 'rejected';
    }
  });
  const firmware = runTool(packages.flatMap((p) => [`pkg ${p.toString('hex')}`, 'run 0 1'])).map((l) =>
    l.startsWith('accepted 1') ? 'accepted' : 'rejected',
  );
  return { host, firmware };
}

test('valid packages parse; 200k mutations: no out-of-bounds read, accepted mutants stay in bounds', () => {
  const uid = Buffer.alloc(16, 3);
  const plain = encodePackage(
    { model: fcModelOfSize(5, 1500), version: '1.0.0', securityCounter: 7, deviceUid: uid },
    Buffer.alloc(32, 1),
  );
  const full = encodePackage(
    {
      model: fcModelOfSize(6, 1500),
      version: '2.0.0-beta',
      securityCounter: 8,
      deviceUid: uid,
      lockDescriptor: Buffer.alloc(60, 2),
      watermarkCommitment: Buffer.alloc(32, 4),
      wrappedModelKey: Buffer.alloc(32, 5),
      queryLimits: { lifetime: 1000, perBoot: 100, rateCount: 5, rateWindowMs: 1000 },
      responseMark: { ratePpm: 5000, groups: 196, levels: 2, skipRunnerUp: true, gate: 1.5 },
      scoreOffsets: OFFSETS,
    },
    Buffer.alloc(32, 1),
  );
  const out = runTool([
    `pkg ${plain.toString('hex')}`,
    'run 0 1',
    `pkg ${full.toString('hex')}`,
    'run 0 1',
    `pkg ${plain.toString('hex')}`,
    'run 100000 12345',
    `pkg ${full.toString('hex')}`,
    'run 100000 777',
  ]);
  console.log(`package parser mutations: ${out.slice(2).join('; ')}`);
  expect(out[0]).toBe('accepted 1 rejected 0 bad 0 counter 7 version 1.0.0');
  expect(out[1]).toBe('accepted 1 rejected 0 bad 0 counter 8 version 2.0.0-beta');
  for (const l of out.slice(2)) expect(l).toMatch(/^accepted \d+ rejected \d+ bad 0$/);
  const totals = out.slice(2).map((l) =>
    l
      .match(/accepted (\d+) rejected (\d+)/)!
      .slice(1)
      .map(Number),
  );
  for (const [acc, rej] of totals) {
    expect(acc + rej).toBe(100000);
    expect(rej).toBeGreaterThan(50000);
    expect(acc).toBeGreaterThan(0); // mutations inside the model or value bytes keep the structure valid
  }
});

test('the firmware and the host agree on which score-offsets records a package may carry', () => {
  const base = encodePackage(
    {
      model: fcModelOfSize(8, 1500),
      version: '1.0.0',
      securityCounter: 3,
      deviceUid: Buffer.alloc(16, 3),
      scoreOffsets: OFFSETS,
    },
    Buffer.alloc(32, 1),
  );
  const at = decodePackage(base).records.find((r) => r.name === 'scoreOffsets')!.valueOffset;
  const cases: [string, (b: Buffer) => void, 'accepted' | 'rejected'][] = [
    ['as built', () => undefined, 'accepted'],
    ['grid 1', (b) => (b[at + 2] = 1), 'accepted'],
    ['grid 16', (b) => (b[at + 2] = 16), 'accepted'],
    ['grid = height', (b) => ((b[at + 2] = 16), b.writeUInt16LE(16, at + 4)), 'accepted'],
    ['1024 x 1024 x 1 values', (b) => (b.writeUInt16LE(1024, at + 4), b.writeUInt16LE(1024, at + 6)), 'accepted'],
    ['tiny delta and clip', (b) => (b.writeFloatLE(1e-30, at + 12), b.writeFloatLE(1e-30, at + 16)), 'accepted'],
    ['negative weights', (b) => b.writeFloatLE(-3.4e38, at + 100), 'accepted'],
    ['scheme 0', (b) => (b[at] = 0), 'rejected'],
    ['scheme 2', (b) => (b[at] = 2), 'rejected'],
    ['degrees 1', (b) => (b[at + 1] = 1), 'rejected'],
    ['degrees 3 (length of 4)', (b) => (b[at + 1] = 3), 'rejected'],
    ['grid 0', (b) => (b[at + 2] = 0), 'rejected'],
    ['grid 17', (b) => (b[at + 2] = 17), 'rejected'],
    ['reserved byte 3', (b) => (b[at + 3] = 1), 'rejected'],
    ['reserved byte 11', (b) => (b[at + 11] = 1), 'rejected'],
    ['width below the grid', (b) => b.writeUInt16LE(6, at + 6), 'rejected'],
    ['no channels', (b) => b.writeUInt16LE(0, at + 8), 'rejected'],
    ['over 2^20 values', (b) => (b.writeUInt16LE(1025, at + 4), b.writeUInt16LE(1024, at + 6)), 'rejected'],
    ['delta 0', (b) => b.writeFloatLE(0, at + 12), 'rejected'],
    ['delta -0', (b) => b.writeFloatLE(-0, at + 12), 'rejected'],
    ['delta negative', (b) => b.writeFloatLE(-1, at + 12), 'rejected'],
    ['clip NaN', (b) => b.writeFloatLE(NaN, at + 16), 'rejected'],
    ['mean +inf', (b) => b.writeFloatLE(Infinity, at + 20), 'rejected'],
    ['last weight NaN', (b) => b.writeFloatLE(NaN, at + 20 + 64 + 1020), 'rejected'],
  ];
  const { host, firmware } = verdicts(
    cases.map(([, edit]) => {
      const p = Buffer.from(base);
      edit(p);
      return p;
    }),
  );
  expect(cases.map(([name], i) => [name, firmware[i]])).toEqual(cases.map(([name], i) => [name, host[i]]));
  expect(cases.map(([name], i) => [name, host[i]])).toEqual(cases.map(([name, , want]) => [name, want]));
});

test('the firmware and the host agree on which query limits and counters a package may carry', () => {
  const base = encodePackage(
    {
      model: fcModelOfSize(7, 1500),
      version: '1.0.0',
      securityCounter: 3,
      deviceUid: Buffer.alloc(16, 3),
      queryLimits: { lifetime: 1, perBoot: 0, rateCount: 0, rateWindowMs: 0 },
    },
    Buffer.alloc(32, 1),
  );
  const d = decodePackage(base);
  const at = d.records.find((r) => r.name === 'queryLimits')!.valueOffset;
  const counterAt = d.records.find((r) => r.name === 'securityCounter')!.valueOffset;
  const U = 0xffffffff;
  const cases: [string, number[], number][] = [
    ['lifetime 1', [1, 0, 0, 0], 3],
    ['per boot max', [0, U, 0, 0], 3],
    ['lifetime max, rate 1 per ms', [U, 0, 1, 1], 3],
    ['rate per day', [0, 0, U, 86_400_000], 3],
    ['all zero', [0, 0, 0, 0], 3],
    ['rate without window', [0, 0, 5, 0], 3],
    ['window without rate', [1, 0, 0, 1000], 3],
    ['window over a day', [0, 0, 5, 86_400_001], 3],
    ['window u32 max', [0, 0, 5, U], 3],
    ['counter 0xFFFFFFFE', [1, 0, 0, 0], 0xfffffffe],
    ['counter 0xFFFFFFFF (reserved)', [1, 0, 0, 0], U],
  ];
  const { host, firmware } = verdicts(
    cases.map(([, v, counter]) => {
      const p = Buffer.from(base);
      v.forEach((x, i) => p.writeUInt32LE(x, at + 4 * i));
      p.writeUInt32LE(counter, counterAt);
      return p;
    }),
  );
  expect(cases.map(([name], i) => [name, firmware[i]])).toEqual(cases.map(([name], i) => [name, host[i]]));
  expect(host).toEqual([...Array(4).fill('accepted'), ...Array(5).fill('rejected'), 'accepted', 'rejected']);
});
