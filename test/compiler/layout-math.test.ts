import { canonical, isTrivial, permOver, physicalIndexMap, sameOrder, transposeData } from '../../src/compiler/layout';
import { seededRandom } from '../helpers/ort';

/** Reference transpose: out[i0..ik] = in[index with dims permuted], computed element by element. */
function naiveTranspose(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]);
  const n = data.length;
  const out = new Float32Array(n);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let o = 0; o < n; o++) {
    let rem = o;
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const i = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
      src += i * strides[perm[d]];
    }
    out[o] = data[src];
  }
  return out;
}

test('transposeData matches a naive transpose for random shapes and permutations', () => {
  const rand = seededRandom(9);
  for (let trial = 0; trial < 60; trial++) {
    const rank = 1 + Math.floor(rand() * 5);
    const shape = Array.from({ length: rank }, () => 1 + Math.floor(rand() * 4));
    const perm = Array.from({ length: rank }, (_, i) => i).sort(() => rand() - 0.5);
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand());
    expect(Array.from(transposeData(data, shape, perm))).toEqual(Array.from(naiveTranspose(data, shape, perm)));
  }
});

test('canonical forms: size-1 dims drop out, adjacent ordered runs merge', () => {
  expect(canonical({ dims: [1, 8, 5, 6], perm: [0, 2, 3, 1] })).toEqual({ dims: [8, 30], perm: [1, 0] });
  expect(isTrivial({ dims: [1, 8, 1, 1], perm: [0, 2, 3, 1] })).toBe(true);
  expect(sameOrder({ dims: [1, 1, 28, 28], perm: [0, 2, 3, 1] }, { dims: [1, 784], perm: [0, 1] })).toBe(true);
  expect(sameOrder({ dims: [1, 3, 28, 28], perm: [0, 2, 3, 1] }, { dims: [1, 2352], perm: [0, 1] })).toBe(false);
});

test('permOver re-expresses a flattened NHWC order over a reshaped logical shape', () => {
  // NHWC data of logical [1,4,3,3] seen as logical [1,4,9]: physical order (h,w) then c
  expect(permOver({ dims: [1, 4, 3, 3], perm: [0, 2, 3, 1] }, [1, 4, 9])).toEqual([0, 2, 1]);
  // but not over [1, 36]: the shuffle is inside one logical dim
  expect(permOver({ dims: [1, 4, 3, 3], perm: [0, 2, 3, 1] }, [1, 36])).toBeNull();
  // the physical index map says which logical element sits where
  expect(Array.from(physicalIndexMap({ dims: [2, 3], perm: [1, 0] }))).toEqual([0, 3, 1, 4, 2, 5]);
});
