import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseNpy, readNpy, serializeNpy, writeNpy } from '../../src/data/npy';
import { EdgelockError } from '../../src/errors';
import { makeTensor, toNumbers } from '../../src/ir/tensor';
import { DType, Tensor } from '../../src/ir/types';

const FIX = path.join(__dirname, '..', 'fixtures', 'npy');
const PY = '/usr/bin/python3';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgelockError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'no error';
}

describe('npy fixtures written by numpy', () => {
  test('float32 (2,3)', () => {
    const t = readNpy(path.join(FIX, 'f32_2x3.npy'));
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([-0.5, -0.25, 0, 0.25, 0.5, 0.75]);
  });
  test('int64 keeps values beyond 2^32', () => {
    const t = readNpy(path.join(FIX, 'i64_5.npy'));
    expect(t.dtype).toBe('int64');
    expect(Array.from(t.data as BigInt64Array)).toEqual([-3n, 0n, 7n, 2n ** 40n, -(2n ** 50n)]);
  });
  test('uint8 (2,2,2), float64 scalar, format 2.0 and 3.0', () => {
    const u = readNpy(path.join(FIX, 'u8_2x2x2.npy'));
    expect(u.shape).toEqual([2, 2, 2]);
    expect(Array.from(u.data as Uint8Array)).toEqual([0, 30, 60, 90, 120, 150, 180, 210]);
    const s = readNpy(path.join(FIX, 'f64_scalar.npy'));
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('float64');
    expect(s.data[0]).toBe(3.25);
    const v2 = readNpy(path.join(FIX, 'f32_v2.npy'));
    expect(v2.shape).toEqual([1, 2]);
    expect(Array.from(v2.data as Float32Array)).toEqual([1.5, -2.5]);
    const v3 = readNpy(path.join(FIX, 'i32_v3.npy'));
    expect(v3.dtype).toBe('int32');
    expect(Array.from(v3.data as Int32Array)).toEqual([1, -2, 3]);
  });
  test('the writer reproduces numpy.save byte for byte', () => {
    for (const f of ['f32_2x3.npy', 'i64_5.npy', 'u8_2x2x2.npy', 'f64_scalar.npy']) {
      const bytes = fs.readFileSync(path.join(FIX, f));
      expect(Buffer.from(serializeNpy(parseNpy(bytes))).equals(bytes)).toBe(true);
    }
  });
  test('Fortran order and big-endian are rejected with E_NPY_INVALID', () => {
    expect(codeOf(() => readNpy(path.join(FIX, 'f32_fortran.npy')))).toMatch(/^E_NPY_INVALID: Fortran-order/);
    expect(codeOf(() => readNpy(path.join(FIX, 'f4_bigendian.npy')))).toMatch(/^E_NPY_INVALID: big-endian/);
  });
  test('every truncation and a trailing byte are rejected with E_NPY_INVALID', () => {
    const bytes = fs.readFileSync(path.join(FIX, 'f32_2x3.npy'));
    for (let n = 0; n < bytes.length; n++)
      expect(codeOf(() => parseNpy(bytes.subarray(0, n)))).toMatch(/^E_NPY_INVALID/);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(codeOf(() => parseNpy(longer))).toMatch(/^E_NPY_INVALID/);
  });
  test('random bytes and unsupported dtypes are rejected', () => {
    expect(codeOf(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])))).toMatch(
      /^E_NPY_INVALID: not a .npy/,
    );
    const bytes = Buffer.from(fs.readFileSync(path.join(FIX, 'f32_2x3.npy')));
    const complex = Buffer.from(bytes.toString('latin1').replace("'<f4'", "'<c8'"), 'latin1');
    expect(codeOf(() => parseNpy(complex))).toMatch(/^E_NPY_INVALID: unsupported .npy dtype '<c8'/);
  });
});

const SAMPLES: Array<[DType, number[], number[]]> = [
  ['float32', [2, 3], [0.1, -2, 3.5, 1e-7, -0, 65504]],
  ['float64', [3], [Math.PI, -1e300, 5e-324]],
  ['int64', [2, 2], [-1, 2 ** 53 - 1, 0, -(2 ** 40)]],
  ['int32', [4], [-2147483648, 2147483647, 0, 7]],
  ['uint8', [1, 3], [0, 128, 255]],
  ['int8', [3, 1], [-128, 127, 0]],
];

describe('npy round trip', () => {
  test.each(SAMPLES)('%s %j', (dtype, shape, values) => {
    const t = makeTensor(dtype, shape, values);
    const back = parseNpy(serializeNpy(t));
    expect(back.dtype).toBe(dtype);
    expect(back.shape).toEqual(shape);
    expect(toNumbers(back)).toEqual(toNumbers(t));
  });
  test('header lengths keep the data 64-byte aligned, also for a long shape', () => {
    const t: Tensor = makeTensor('uint8', new Array(30).fill(1), [9]);
    const bytes = serializeNpy(t);
    expect((bytes.length - 1) % 64).toBe(0);
    expect(parseNpy(bytes).shape).toHaveLength(30);
  });
});

describe('npy against numpy (python3-numpy, installed by scripts/setup.sh)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-npy-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('numpy reads what we write', () => {
    for (const [i, [dtype, shape, values]] of SAMPLES.entries())
      writeNpy(path.join(dir, `w${i}.npy`), makeTensor(dtype, shape, values));
    const script = `
import numpy as np, json, sys
out = []
for i in range(${SAMPLES.length}):
    a = np.load(sys.argv[1] + '/w%d.npy' % i)
    out.append([str(a.dtype), list(a.shape), [int(v) if a.dtype.kind in 'iu' else float(v) for v in a.ravel()]])
print(json.dumps(out))`;
    const r = spawnSync(PY, ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Array<[string, number[], number[]]>;
    const npName: Record<string, string> = {
      float32: 'float32',
      float64: 'float64',
      int64: 'int64',
      int32: 'int32',
      uint8: 'uint8',
      int8: 'int8',
    };
    got.forEach(([dt, shape, vals], i) => {
      expect(dt).toBe(npName[SAMPLES[i][0]]);
      expect(shape).toEqual(SAMPLES[i][1]);
      expect(vals).toEqual(toNumbers(makeTensor(SAMPLES[i][0], SAMPLES[i][1], SAMPLES[i][2])));
    });
  });

  test('we read what numpy writes, including large headers and format 3.0', () => {
    const script = `
import numpy as np, sys
d = sys.argv[1]
rng = np.random.default_rng(7)
np.save(d + '/a.npy', rng.standard_normal((5, 1, 4, 3)).astype(np.float32))
np.save(d + '/b.npy', rng.integers(-1000, 1000, size=(7,)).astype(np.int32))
np.save(d + '/c.npy', np.ones([1] * 30, dtype=np.uint8))
np.lib.format.write_array(open(d + '/e.npy', 'wb'), np.arange(3, dtype=np.float64), version=(3, 0))
np.savetxt(d + '/a.txt', np.load(d + '/a.npy').ravel(), fmt='%.9g')
np.savetxt(d + '/b.txt', np.load(d + '/b.npy'), fmt='%d')`;
    const r = spawnSync(PY, ['-c', script, dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const a = readNpy(path.join(dir, 'a.npy'));
    expect(a.shape).toEqual([5, 1, 4, 3]);
    const aRef = fs.readFileSync(path.join(dir, 'a.txt'), 'utf8').trim().split('\n').map(Number);
    expect(Array.from(a.data as Float32Array)).toEqual(Array.from(Float32Array.from(aRef)));
    const b = readNpy(path.join(dir, 'b.npy'));
    expect(Array.from(b.data as Int32Array)).toEqual(
      fs.readFileSync(path.join(dir, 'b.txt'), 'utf8').trim().split('\n').map(Number),
    );
    expect(readNpy(path.join(dir, 'c.npy')).shape).toHaveLength(30);
    expect(Array.from(readNpy(path.join(dir, 'e.npy')).data as Float64Array)).toEqual([0, 1, 2]);
  });
});
