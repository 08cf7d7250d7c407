/** The import graph of src/ as the TypeScript compiler's own pre-processor sees it (static, re-export, dynamic imports). */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

export type ImportGraph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function resolveRelative(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  return null;
}

/** File → the files it imports, both relative to `root` with forward slashes. Package imports are left out. */
export function importGraph(root: string, dir = 'src'): ImportGraph {
  const graph: ImportGraph = new Map();
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  for (const file of sourceFiles(path.join(root, dir))) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets: string[] = [];
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      if (/\.json$/.test(ref.fileName)) continue; // data, not code
      const target = resolveRelative(file, ref.fileName);
      if (target === null) throw new Error(`${rel(file)}: cannot resolve import '${ref.fileName}'`);
      targets.push(rel(target));
    }
    graph.set(rel(file), [...new Set(targets)]);
  }
  return graph;
}

/** The strongly connected components with more than one file (or a file importing itself): each is an import cycle. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The top-level entry of src/ a file belongs to: its folder, or the file name for files directly in src/. */
export function topLevel(file: string, dir = 'src'): string {
  const parts = file.slice(dir.length + 1).split('/');
  return parts[0];
}

/**
 * Imports that break the layer order: `layers[0]` is the bottom; a folder may import only folders of
 * strictly lower layers (and itself). A top-level entry missing from the table is reported too.
 */
export function layerViolations(graph: ImportGraph, layers: readonly (readonly string[])[], dir = 'src'): string[] {
  const layerOf = new Map<string, number>();
  layers.forEach((names, i) => names.forEach((n) => layerOf.set(n, i)));
  const problems = new Set<string>();
  for (const [from, targets] of graph) {
    const a = topLevel(from, dir);
    if (!layerOf.has(a)) problems.add(`${dir}/${a} is in no layer of the table`);
    for (const to of targets) {
      const b = topLevel(to, dir);
      if (a === b || !layerOf.has(a) || !layerOf.has(b)) continue;
      if (layerOf.get(b)! >= layerOf.get(a)!)
        problems.add(
          `${from} imports ${to}: ${a} (layer ${layerOf.get(a)}) may only import layers below it, ${b} is layer ${layerOf.get(b)}`,
        );
    }
  }
  return [...problems].sort();
}
