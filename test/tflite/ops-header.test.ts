import * as fs from 'fs';
import * as path from 'path';
import { TFLITE_OPS } from '../../src/tflite/builtins';
import { OPS_HEADER_PATH, renderOpsHeader, runtimeOps } from '../../src/tflite/c-header';

const ROOT = path.resolve(__dirname, '../..');
const KERNELS = path.join(ROOT, 'firmware-tools/runtime/kernels');

/** `const el_kernel el_kernel_<name> = {EL_OP_<NAME>, "<NAME>", <max inputs>, EL_OPT_<NAME>, ...}` in the C kernel files. */
function kernelDefinitions(): { name: string; code: string; label: string; options: string }[] {
  const out: { name: string; code: string; label: string; options: string }[] = [];
  for (const f of fs.readdirSync(KERNELS).filter((f) => f.endsWith('.c'))) {
    const text = fs.readFileSync(path.join(KERNELS, f), 'utf8');
    for (const m of text.matchAll(/const el_kernel el_kernel_(\w+)\s*=\s*\{\s*(\w+),\s*"(\w+)",\s*\d+,\s*(\w+)/g)) {
      out.push({ name: m[1], code: m[2], label: m[3], options: m[4] });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

describe('the C runtime operator header, generated from src/tflite/builtins.ts', () => {
  test(`${OPS_HEADER_PATH} is identical to a fresh generation (run \`npx tsx scripts/gen-ops.ts\`)`, () => {
    expect(fs.readFileSync(path.join(ROOT, OPS_HEADER_PATH), 'utf8')).toBe(renderOpsHeader());
  });

  test('every operator marked runtime has a C kernel naming its generated code and options tag, and no kernel is unmarked', () => {
    const want = runtimeOps()
      .map((o) => ({ name: o.name.toLowerCase(), code: `EL_OP_${o.name}`, label: o.name, options: `EL_OPT_${o.name}` }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(want.length).toBeGreaterThan(20);
    expect(kernelDefinitions()).toEqual(want);
  });

  test('the header no longer lives in el_internal.h by hand', () => {
    const internal = fs.readFileSync(path.join(ROOT, 'firmware-tools/runtime/el_internal.h'), 'utf8');
    expect(internal).toContain('#include "el_ops.h"');
    expect(internal).not.toMatch(/EL_OP_\w+\s*=/);
  });

  // float-only in TFLite itself (no int8 kernel exists): the runtime runs them in float graphs
  const FLOAT_ONLY = ['DIV', 'SQRT'];

  test('every runtime operator has an int8 rule, is a QUANTIZE/DEQUANTIZE boundary, or is float-only in TFLite', () => {
    for (const o of runtimeOps())
      expect({ op: o.name, int8: !!TFLITE_OPS[o.name].quant || /QUANTIZE$/.test(o.name) }).toEqual({
        op: o.name,
        int8: !FLOAT_ONLY.includes(o.name),
      });
  });
});
