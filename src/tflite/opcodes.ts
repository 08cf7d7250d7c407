/** Names of builtin codes and options tags, and the TFLite-Micro registrations a firmware needs (from ./builtins.ts). */
import { BuiltinOperator } from './generated/tflite/builtin-operator';
import { BuiltinOptions } from './generated/tflite/builtin-options';
import { OpInfo, TFLITE_OPS, TfliteOpName } from './builtins';

const BY_CODE = new Map<number, TfliteOpName>(
  (Object.keys(TFLITE_OPS) as TfliteOpName[]).map((name) => [TFLITE_OPS[name].code, name]),
);

/** The entry for a builtin code edgelock emits, or undefined. */
export function opInfoByCode(code: number): (OpInfo & { name: TfliteOpName }) | undefined {
  const name = BY_CODE.get(code);
  return name ? { ...TFLITE_OPS[name], name } : undefined;
}

/** The upstream name of any builtin code declared in the schema ("CONV_2D"), else `BUILTIN_<n>`. */
export function builtinOperatorName(code: number): string {
  const name = (BuiltinOperator as unknown as Record<number, string | undefined>)[code];
  return typeof name === 'string' ? name : `BUILTIN_${code}`;
}

/** The name of a BuiltinOptions union member ("Conv2DOptions"), else `BuiltinOptions_<n>`. */
export function builtinOptionsName(tag: number): string {
  const name = (BuiltinOptions as unknown as Record<number, string | undefined>)[tag];
  return typeof name === 'string' ? name : `BuiltinOptions_${tag}`;
}

/**
 * The TFLite-Micro resolver calls a firmware needs for a list of builtin codes (deduplicated,
 * in first-use order). Codes edgelock does not emit are reported by name as `unknown`.
 */
export function microRegistrations(codes: Iterable<number>): { op: string; call: string | null }[] {
  const seen = new Set<number>();
  const out: { op: string; call: string | null }[] = [];
  for (const code of codes) {
    if (seen.has(code)) continue;
    seen.add(code);
    const info = opInfoByCode(code);
    out.push({ op: builtinOperatorName(code), call: info ? info.microRegistration : null });
  }
  return out;
}
