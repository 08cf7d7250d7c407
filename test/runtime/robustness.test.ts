/**
 * The C runtime under AddressSanitizer + UndefinedBehaviorSanitizer: every per-op model prepares and
 * runs cleanly, and a few hundred corrupted or truncated models end in a status, never a crash.
 * Also checks that the runtime cross-compiles for a Cortex-M4 with warnings as errors.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildHarness, runBatch, runC, RUNTIME_DIR } from './harness';
import * as M from './models';

const STATUSES = new Set([
  'ok',
  'bad argument',
  'malformed flatbuffer',
  'file identifier is not TFL3',
  'schema version is not 3',
  'not exactly one subgraph',
  'unsupported operator',
  'unsupported operator version',
  'unsupported tensor type',
  'invalid quantisation',
  'inconsistent shapes',
  'unsupported operator options',
  'arena too small',
  'runtime limit exceeded',
  'misaligned data',
  'invalid data flow',
]);

function baseModels(): M.TestModel[] {
  return [
    M.conv2d(101, { inShape: [1, 8, 8, 3], outC: 4, k: [3, 3], stride: [1, 1], padding: 'SAME', activation: 1 }),
    M.conv2d(102, { inShape: [1, 9, 9, 4], outC: 4, k: [3, 3], stride: [2, 2], padding: 'VALID' }, true, 1),
    M.fullyConnected(103, 2, 20, 5, true, true),
    M.binary(104, 'ADD', [1, 4, 4, 3], [3]),
    M.binary(105, 'MUL', [1, 3, 3, 2], [1, 3, 3, 2]),
    M.pool(106, 'AVERAGE_POOL_2D', [1, 6, 6, 2], [2, 2], [2, 2], 'VALID'),
    M.mean(107, [1, 4, 4, 3], true),
    M.unary(108, 'SOFTMAX', [1, 10]),
    M.unary(109, 'HARD_SWISH', [1, 16]),
    M.concatenation(
      110,
      [
        [1, 2, 2, 1],
        [1, 2, 2, 2],
      ],
      3,
    ),
    M.pad(
      111,
      [1, 3, 3, 1],
      [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ],
    ),
    M.transpose(112, [1, 2, 3, 4], [0, 3, 1, 2]),
    M.quantizeChain(113, [2, 8]),
  ];
}

/** Deterministic corruptions: byte flips, 32-bit overwrites with hostile values, truncations. */
function mutate(model: Uint8Array, r: M.Rand, kind: number): Uint8Array {
  const out = model.slice();
  if (kind === 0) {
    const flips = 1 + M.randInt(r, 0, 7);
    for (let i = 0; i < flips; i++) out[M.randInt(r, 0, out.length - 1)] ^= 1 << M.randInt(r, 0, 7);
    return out;
  }
  if (kind === 1) {
    const at = M.randInt(r, 0, out.length - 4) & ~3;
    const hostile = [0xffffffff, 0x7fffffff, 0x80000000, out.length, out.length - 2, 0xfffffffc, 1 << 20, 0];
    new DataView(out.buffer).setUint32(at, hostile[M.randInt(r, 0, hostile.length - 1)], true);
    return out;
  }
  return out.slice(0, M.randInt(r, 0, out.length - 1));
}

let asan: string;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'el-mutants-'));

beforeAll(() => {
  asan = buildHarness(true);
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('every op model prepares and runs under ASan/UBSan with random inputs', () => {
  const r = M.rng(7);
  for (const m of baseModels()) {
    const res = runC(asan, m.model, M.randomInputs(m, r));
    expect(`${m.name}: ${res.status}`).toBe(`${m.name}: ok`);
  }
});

test('400 corrupted or truncated models end in a status, never a crash (ASan/UBSan)', () => {
  const r = M.rng(2024);
  const files: string[] = [];
  const truncated = new Set<number>();
  const bases = baseModels();
  for (let i = 0; i < 400; i++) {
    const kind = i % 3;
    const mutant = mutate(bases[i % bases.length].model, r, kind);
    if (kind === 2) truncated.add(i);
    const file = path.join(dir, `m${i}.tflite`);
    fs.writeFileSync(file, mutant);
    files.push(file);
  }
  const { statuses, stderr, exitCode } = runBatch(asan, files);
  expect(stderr).not.toMatch(/Sanitizer|runtime error/);
  expect(exitCode).toBe(0);
  expect(statuses).toHaveLength(files.length);
  statuses.forEach((s) => expect(STATUSES).toContain(s));
  // A truncated file loses part of its constant data or tables: Prepare must refuse every one.
  truncated.forEach((i) => expect(`${i}: ${statuses[i]}`).not.toBe(`${i}: ok`));
  const counts: Record<string, number> = {};
  statuses.forEach((s) => (counts[s] = (counts[s] ?? 0) + 1));
  console.log(`mutant outcomes: ${JSON.stringify(counts)}`);
  expect(counts['malformed flatbuffer']).toBeGreaterThan(50);
});

test('a too-small arena is reported with the size needed, and that size works', () => {
  const m = M.conv2d(120, { inShape: [1, 16, 16, 8], outC: 8, k: [3, 3], stride: [1, 1], padding: 'SAME' });
  const inputs = M.randomInputs(m, M.rng(3));
  const full = runC(asan, m.model, inputs);
  expect(full.status).toBe('ok');
  const small = runC(asan, m.model, inputs, 1024);
  expect(small.status).toBe('arena too small');
  expect(small.arena_needed).toBeGreaterThan(1024);
  const exact = runC(asan, m.model, inputs, full.arena_used! + 16);
  expect(exact.status).toBe('ok');
  expect(Buffer.from(exact.values![0].buffer)).toEqual(Buffer.from(full.values![0].buffer));
});

test('cross-compiles for Cortex-M4 (arm-none-eabi-gcc -Os -Wall -Wextra -Werror) and links against newlib', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'el-arm-'));
  try {
    const text = execFileSync('bash', [path.join(RUNTIME_DIR, 'check-arm.sh'), out], { encoding: 'utf8' });
    const total = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+\w+\s+\(TOTALS\)/m.exec(text);
    expect(total).not.toBeNull();
    console.log(`runtime code size on Cortex-M4 (-Os): text ${total![1]} B, data ${total![2]} B, bss ${total![3]} B`);
    expect(Number(total![2]) + Number(total![3])).toBe(0); // no static state: everything lives in the arena
    expect(fs.existsSync(path.join(out, 'link_check.elf'))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('the harness refuses a model that is not TFLite', () => {
  const junk = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);
  const r = spawnSync(asan, ['--batch', writeTemp(junk)], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout.trim()).status).not.toBe('ok');
});

function writeTemp(bytes: Uint8Array): string {
  const file = path.join(dir, `junk-${bytes.length}.bin`);
  fs.writeFileSync(file, bytes);
  return file;
}

// The Cortex-M4 side is covered by check-arm.sh above; the board link here is the host-sim one.
test('the firmware module (el_runtime_module.c, its commands and registration) builds and links into the host-sim firmware', () => {
  const root = path.resolve(RUNTIME_DIR, '../..');
  const fw = path.resolve(RUNTIME_DIR, '..');
  const sources = fs
    .readFileSync(path.join(RUNTIME_DIR, 'sources.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((s) => path.join(RUNTIME_DIR, s));
  sources.push(
    path.join(RUNTIME_DIR, 'el_runtime_module.c'),
    path.join(RUNTIME_DIR, 'el_lock_unseal.c'),
    path.join(fw, 'firmware', 'runtime_module.c'),
    path.join(fw, 'commands', 'cmd_run.c'),
    path.join(fw, 'commands', 'cmd_watermark.c'),
  );
  const boards: [string, string[]][] = [['host-sim', ['gcc']]];
  for (const [board, cc] of boards) {
    const build = fs.mkdtempSync(path.join(os.tmpdir(), `el-board-${board}-`));
    try {
      // what firmware.mk computes: libm as an input file, from the board's own compiler
      const libm = ['libm.so', 'libm.a']
        .map((f) => execFileSync(cc[0], [...cc.slice(1), `-print-file-name=${f}`], { encoding: 'utf8' }).trim())
        .find((p) => p.startsWith('/'))!;
      execFileSync(
        'make',
        [
          '-s',
          '-C',
          path.join(root, 'boards', board),
          `BUILD_DIR=${build}`,
          `EL_MODULE_SOURCES=${[...sources, libm].join(' ')}`,
          `EL_MODULE_INCLUDE=${RUNTIME_DIR}`,
        ],
        { stdio: 'pipe' },
      );
      expect(fs.readdirSync(build).some((f) => f === 'firmware.elf' || f === 'edgelock-host-sim')).toBe(true);
    } finally {
      fs.rmSync(build, { recursive: true, force: true });
    }
  }
});
