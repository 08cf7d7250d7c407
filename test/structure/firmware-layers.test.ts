/**
 * The layers of firmware-tools/: a C file includes headers of its own folder and of lower layers only, so the
 * portable core never reaches up into the runtime, the protocol commands or the firmware's entry points.
 * ARCHITECTURE.md ("Firmware layout") describes the same order. Includes are by bare name (`#include "el_x.h"`,
 * every folder is an include directory), so a header is found by its name, and names must be unique.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const FW = path.join(ROOT, 'firmware-tools');

/** Bottom first: a folder may include headers of its own layer's folder and of the layers before it. */
const LAYERS: readonly string[] = ['core', 'runtime', 'commands', 'firmware', 'tz'];

/** Relative path (from firmware-tools/) → the quoted headers it includes. */
type IncludeMap = Map<string, string[]>;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : /\.[ch]$/.test(e.name) ? [p] : [];
  });
}

function readIncludes(dir: string): IncludeMap {
  const map: IncludeMap = new Map();
  for (const file of walk(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    const includes = [...text.matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)].map((m) => path.basename(m[1]));
    map.set(path.relative(dir, file).split(path.sep).join('/'), includes);
  }
  return map;
}

/** Header name → the paths that define it. */
function headerPaths(files: IncludeMap): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of files.keys())
    if (f.endsWith('.h')) out.set(path.posix.basename(f), [...(out.get(path.posix.basename(f)) ?? []), f]);
  return out;
}

/**
 * Includes that point up the layer table, includes of headers found nowhere (neither in firmware-tools/ nor in
 * `external`: the boards' headers, which a test harness may use), and files in a folder missing from the table.
 */
function includeViolations(files: IncludeMap, layers: readonly string[], external: ReadonlySet<string>): string[] {
  const headers = headerPaths(files);
  const layerOf = (f: string) => layers.indexOf(f.split('/')[0]);
  const problems: string[] = [];
  for (const [file, includes] of files) {
    const own = layerOf(file);
    if (own < 0) {
      problems.push(`${file} is in no layer of the table`);
      continue;
    }
    for (const h of includes) {
      const defs = headers.get(h);
      if (!defs && external.has(h)) continue;
      if (!defs) {
        problems.push(`${file} includes ${h}, which no folder of firmware-tools/ holds`);
        continue;
      }
      const target = layerOf(defs[0]);
      if (target > own)
        problems.push(
          `${file} includes ${defs[0]}: ${layers[own]} (layer ${own}) may only include layers up to its own, ` +
            `${layers[target]} is layer ${target}`,
        );
    }
  }
  return problems;
}

const files = readIncludes(FW);
const boardHeaders = new Set(
  [...readIncludes(path.join(ROOT, 'boards')).keys()]
    .filter((f) => f.endsWith('.h'))
    .map((f) => path.posix.basename(f)),
);

describe('layers of firmware-tools/', () => {
  test('the includes were read (sanity)', () => {
    expect(files.get('core/slots.c')).toContain('el_slots.h');
    expect(files.get('commands/cmd_flash.c')).toContain('el_package.h');
    expect(files.size).toBeGreaterThan(80);
  });

  test('every header name is defined once', () => {
    const dup = [...headerPaths(files)].filter(([, defs]) => defs.length > 1);
    expect(dup).toEqual([]);
  });

  test('every file includes only its own and lower layers (core/ includes nothing from runtime/ or commands/)', () => {
    expect(includeViolations(files, LAYERS, boardHeaders)).toEqual([]);
  });

  test('every folder of firmware-tools/ is in the layer table and described in ARCHITECTURE.md', () => {
    const folders = fs
      .readdirSync(FW, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).toEqual([...LAYERS].sort());
    const doc = fs.readFileSync(path.join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    expect(folders.filter((f) => !doc.includes('| `' + f + '/` |'))).toEqual([]);
  });
});

describe('the check itself', () => {
  const g: IncludeMap = new Map([
    ['core/el_a.h', []],
    ['core/a.c', ['el_a.h', 'el_cmd.h']],
    ['commands/el_cmd.h', ['el_a.h']],
    ['commands/cmd.c', ['el_cmd.h', 'el_a.h']],
    ['boards/x.c', []],
    ['core/b.c', ['el_missing.h']],
  ]);

  test('an upward include, an unknown header and a folder missing from the table are reported', () => {
    expect(includeViolations(g, ['core', 'commands'], new Set())).toEqual([
      'core/a.c includes commands/el_cmd.h: core (layer 0) may only include layers up to its own, commands is layer 1',
      'boards/x.c is in no layer of the table',
      'core/b.c includes el_missing.h, which no folder of firmware-tools/ holds',
    ]);
  });

  test('includes inside one folder, downward includes and board headers pass', () => {
    const ok: IncludeMap = new Map([
      ['core/el_a.h', []],
      ['core/a.c', ['el_a.h']],
      ['commands/el_cmd.h', ['el_a.h']],
      ['commands/cmd.c', ['el_cmd.h', 'el_a.h', 'semihosting.h']],
    ]);
    expect(includeViolations(ok, ['core', 'commands'], new Set(['semihosting.h']))).toEqual([]);
  });
});
