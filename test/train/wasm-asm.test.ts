/** The WebAssembly writer: LEB128 against the published examples, and a module the runtime accepts and runs. */
import { I, T, sleb, uleb, wasmModule } from '../../src/train/wasm-asm';

test('LEB128 encodings match the DWARF / Wikipedia examples', () => {
  expect(uleb(0)).toEqual([0x00]);
  expect(uleb(127)).toEqual([0x7f]);
  expect(uleb(128)).toEqual([0x80, 0x01]);
  expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
  expect(sleb(2)).toEqual([0x02]);
  expect(sleb(-2)).toEqual([0x7e]);
  expect(sleb(63)).toEqual([0x3f]);
  expect(sleb(64)).toEqual([0xc0, 0x00]);
  expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
});

test('a module with a SIMD function validates, runs on its exported memory, and a corrupted one is rejected', () => {
  // scale4(p, q): memory[q..q+16) = memory[p..p+16) * memory[p..p+16) (f32x4), then memory[q+16] = lane 3 + lane 0
  const body = [
    ...I.get(1), ...I.get(0), ...I.v128Load(), ...I.get(0), ...I.v128Load(), ...I.f32x4Mul, ...I.v128Store(),
    ...I.get(1), ...I.get(1), ...I.v128Load(), ...I.f32x4ExtractLane(3), ...I.get(1), ...I.f32Load(), ...I.f32Add, ...I.f32Store(16),
  ];
  const bytes = wasmModule(1, [{ exportName: 'scale4', params: [T.i32, T.i32], locals: [], body }]);
  const wa = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean; Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: Record<string, unknown> } } }).WebAssembly;
  expect(wa.validate(bytes)).toBe(true);
  const e = new wa.Instance(new wa.Module(bytes), {}).exports;
  const mem = new Float32Array((e.memory as { buffer: ArrayBuffer }).buffer);
  mem.set([1.5, -2, 3, 0.25], 4);
  (e.scale4 as (p: number, q: number) => void)(16, 64);
  expect(Array.from(mem.subarray(16, 21))).toEqual([2.25, 4, 9, 0.0625, 2.3125]);
  const broken = bytes.slice();
  broken[broken.length - 1] = 0xff; // the final `end` of the body
  expect(wa.validate(broken)).toBe(false);
});
