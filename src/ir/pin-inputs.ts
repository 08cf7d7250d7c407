/**
 * Pinning symbolic input dimensions before shape inference: `--input-shape name:d0,d1,…` fixes a
 * whole input shape (its fixed dims must agree, its symbolic ones take the given sizes, and every
 * other input using the same symbol takes the same size); `pinBatch` fixes what is left in
 * dimension 0 to 1.
 */
import { EdgelockError } from '../errors';
import { Dim, Model, ValueInfo } from './types';

/** Input name → the full static shape it is pinned to. */
export type InputShapes = ReadonlyMap<string, readonly number[]>;

function fmt(shape: readonly Dim[]): string {
  return `[${shape.map((d) => d ?? '?').join(',')}]`;
}

/** Parses one `--input-shape` value: `name:d0,d1,…` (the name may itself contain ':'). */
export function parseInputShape(spec: string): [string, number[]] {
  const at = spec.lastIndexOf(':');
  const name = at > 0 ? spec.slice(0, at) : '';
  const dims =
    at > 0
      ? spec
          .slice(at + 1)
          .split(',')
          .map((s) => s.trim())
      : [];
  if (!name || dims.length === 0 || dims.some((d) => !/^\d+$/.test(d) || Number(d) < 1)) {
    throw new EdgelockError(
      'E_USAGE',
      `--input-shape expects <name>:<d0,d1,…> with positive integer sizes, got '${spec}'`,
    );
  }
  return [name, dims.map(Number)];
}

/** All `--input-shape` values of one command line; naming an input twice is E_USAGE. */
export function parseInputShapes(specs: readonly string[] | undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const spec of specs ?? []) {
    const [name, dims] = parseInputShape(spec);
    if (out.has(name)) throw new EdgelockError('E_USAGE', `--input-shape gives input '${name}' twice`);
    out.set(name, dims);
  }
  return out;
}

/**
 * The model with the given inputs pinned. Symbols bound by a pinned input (e.g. 'H' = 96) are
 * replaced in every other input too. A name that is not a runtime input, a rank mismatch or a
 * fixed dim that disagrees is E_USAGE. `notes` receives one line per pinned input.
 */
export function pinInputShapes(model: Model, shapes: InputShapes, notes: string[] = []): Model {
  if (shapes.size === 0) return model;
  const inputs = model.graph.inputs;
  const symbols = new Map<string, number>();
  for (const [name, dims] of shapes) {
    const v = inputs.find((i) => i.name === name);
    if (!v) {
      throw new EdgelockError(
        'E_USAGE',
        `--input-shape names '${name}', which is not a model input (inputs: ${inputs.map((i) => `'${i.name}'`).join(', ') || 'none'})`,
      );
    }
    if (v.shape && v.shape.length !== dims.length) {
      throw new EdgelockError(
        'E_USAGE',
        `--input-shape ${name}:${dims.join(',')} has rank ${dims.length}; input '${name}' has shape ${fmt(v.shape)} (rank ${v.shape.length})`,
      );
    }
    v.shape?.forEach((d, i) => {
      if (typeof d === 'number' && d !== dims[i]) {
        throw new EdgelockError(
          'E_USAGE',
          `--input-shape ${name}:${dims.join(',')} sets dimension ${i} to ${dims[i]}; the model fixes it to ${d} (shape ${fmt(v.shape!)})`,
        );
      }
      if (typeof d === 'string') {
        const prev = symbols.get(d);
        if (prev !== undefined && prev !== dims[i])
          throw new EdgelockError('E_USAGE', `--input-shape gives symbol '${d}' two sizes (${prev} and ${dims[i]})`);
        symbols.set(d, dims[i]);
      }
    });
  }
  const pinned: ValueInfo[] = inputs.map((v) => {
    const given = shapes.get(v.name);
    if (given) {
      if (!v.shape || v.shape.some((d, i) => d !== given[i]))
        notes.push(
          `input '${v.name}': shape ${v.shape ? fmt(v.shape) : '?'} pinned to [${given.join(',')}] (--input-shape)`,
        );
      return { ...v, shape: [...given] };
    }
    if (!v.shape || !v.shape.some((d) => typeof d === 'string' && symbols.has(d))) return v;
    const shape = v.shape.map((d) => (typeof d === 'string' && symbols.has(d) ? symbols.get(d)! : d));
    notes.push(`input '${v.name}': shape ${fmt(v.shape)} pinned to ${fmt(shape)} (symbols bound by --input-shape)`);
    return { ...v, shape };
  });
  return { ...model, graph: { ...model.graph, inputs: pinned } };
}

/** True when some runtime input has a symbolic or unknown dimension 0 (a dynamic batch). */
export function hasSymbolicBatch(model: Model): boolean {
  return model.graph.inputs.some(
    (v) =>
      !model.graph.initializers.has(v.name) && v.shape !== null && v.shape.length > 0 && typeof v.shape[0] !== 'number',
  );
}

/** The model with every symbolic or unknown dimension 0 of a runtime input set to 1. */
export function pinBatch(model: Model, notes: string[] = []): Model {
  const inputs = model.graph.inputs.map((v) => {
    if (model.graph.initializers.has(v.name) || !v.shape || v.shape.length === 0 || typeof v.shape[0] === 'number')
      return v;
    const d = v.shape[0];
    notes.push(`input '${v.name}': symbolic batch dimension${d ? ` '${d}'` : ''} pinned to 1`);
    return { ...v, shape: [1, ...v.shape.slice(1)] };
  });
  return { ...model, graph: { ...model.graph, inputs } };
}
