/**
 * Reads many suspect models for a board's score offsets at once (the owner's pool and the base model's answers
 * computed once), for the measurements in docs/watermark.md, "Score offsets":
 *   npx tsx scripts/score-offsets-read.ts --package <board.elp> --key <master> --devices <uids.txt>
 *       --models <a.onnx,b.onnx,...|dir> [--pool mnist-test] [--json out.json]
 * One line per suspect: its accuracy on the pool's labels, the package board's Z and family p (× candidates), the
 * largest Z among the other candidates, and whether the package's board is named at p <= 1e-6; what
 * `edgelock score-offsets verify` computes for each.
 */
import * as fs from 'fs';
import * as path from 'path';
import { suspectFile } from '../src/cli/suspect';
import { loadDataset } from '../src/data/dataset';
import { loadOffsetsPool, readCandidates } from '../src/score-offsets/verify';
import { arg } from './support/args';
import { offsetsBoards } from './support/offsets-boards';

async function main(): Promise<void> {
  const { pkg, params, candidates } = offsetsBoards();
  const spec = arg('models', '');
  const models =
    fs.existsSync(spec) && fs.statSync(spec).isDirectory()
      ? fs
          .readdirSync(spec)
          .filter((f) => /\.(onnx|tflite)$/.test(f))
          .map((f) => path.join(spec, f))
      : spec.split(',');
  const names = arg('pool', 'mnist-test').split(',');
  const pool = await loadOffsetsPool(pkg.model, params, names);
  const labels = loadDataset(names[0]).labels!;
  const rows: object[] = [];
  for (const m of models) {
    const s = await suspectFile(m);
    try {
      const scores = await s.scores(pool.samples, pool.count);
      const r = readCandidates(pool, params, candidates, scores);
      let right = 0;
      for (let i = 0; i < pool.count; i++) {
        const row = Array.from(scores.subarray(i * pool.classes, (i + 1) * pool.classes));
        if (row.indexOf(Math.max(...row)) === labels[i]) right++;
      }
      const own = r.candidates.find((c) => c.uid === pkg.deviceUid)!;
      const others = r.candidates.filter((c) => c.uid !== pkg.deviceUid);
      const row = {
        model: m,
        accuracy: right / pool.count,
        z: own.z,
        familyP: own.familyP,
        othersMaxZ: Math.max(...others.map((c) => c.z)),
        othersMinFamilyP: Math.min(...others.map((c) => c.familyP)),
        named: r.named,
        together: r.together && { uids: r.together.uids, z: r.together.z, familyP: r.together.familyP },
        namedTogether: r.namedTogether,
      };
      rows.push(row);
      console.log(
        `${path.basename(m)}: accuracy ${(100 * row.accuracy).toFixed(2)}%, Z ${own.z.toFixed(2)}, family p ` +
          `${own.familyP.toExponential(1)}; other ${others.length} boards max Z ${row.othersMaxZ.toFixed(2)}; named ` +
          `[${r.named.join(', ')}]` +
          (r.together
            ? `; best pair ${r.together.uids.map((u) => u.slice(0, 4)).join('+')} Z ${r.together.z.toFixed(2)}, ` +
              `family p ${r.together.familyP.toExponential(1)}${r.namedTogether.length ? ' (named together)' : ''}`
            : ''),
      );
    } finally {
      s.dispose();
    }
  }
  const out = arg('json', '');
  if (out) fs.writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
  candidates.forEach((c) => c.key.fill(0));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
