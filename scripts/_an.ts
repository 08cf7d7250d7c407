// throwaway analysis: which disagreements carry the mark
import * as fs from 'fs';
import { createHash } from 'crypto';
import { onnxVictim } from '../src/attack/victim';
import { loadMnist } from '../src/data/mnist';
import { responseMarkKey, decideCoarse } from '../src/response-mark/decision';
import { loadMarkPool } from '../src/response-mark/pool';
import { TfliteOracle } from '../src/tflite/oracle';
import { poissonBinomialTail } from '../src/response-mark/verify';
import { Rng } from '../src/train/rng';
const [baseFile, ...models] = process.argv.slice(2);
const base = fs.readFileSync(baseFile);
const master = createHash('sha256').update('edgelock response mark measurement master key').digest();
const P = { ratePpm: 3245, groups: 196, levels: 2 };
(async () => {
  const pool = await loadMarkPool(base, ['mnist-train', 'mnist-test'], P);
  const uid = createHash('sha256').update('measurement board 0').digest().subarray(0, 16);
  const keys = [uid, ...Array.from({ length: 9 }, (_, i) => createHash('sha256').update(`innocent board ${i}`).digest().subarray(0, 16))].map((u) => responseMarkKey(master, u));
  // attacker's query set (train indices)
  const order = Int32Array.from({ length: 60000 }, (_, i) => i).filter((i) => i >= 500);
  new Rng(1).shuffle(order);
  const queried = new Set(Array.from(order.subarray(0, 6000)));
  const oracle = await TfliteOracle.load(base);
  const sel = keys.map((k) => { const idx: number[] = [], off: number[] = []; for (let i = 0; i < pool.count; i++) { const d = decideCoarse(k, P.ratePpm, pool.coarse[i], 10); if (d.marked) { idx.push(i); off.push(d.offset); } } return { idx, off }; });
  const all = [...new Set(sel.flatMap((s) => s.idx))].sort((a, b) => a - b);
  const margin = new Map<number, number>(); const bArg = new Map<number, number>();
  for (const i of all) {
    const q = Int8Array.from(pool.samples.subarray(i * 784, (i + 1) * 784), (v) => Math.max(-128, Math.min(127, Math.round(v * 255) - 128)));
    const o = Array.from(oracle.run([{ data: Int32Array.from(q), shape: [1, 28, 28, 1], dtype: 'int8' }])[0].data);
    const s = [...o].sort((a, b) => b - a); margin.set(i, s[0] - s[1]); bArg.set(i, o.indexOf(s[0]));
  }
  for (const m of models) {
    const sus = await onnxVictim(fs.readFileSync(m), m);
    const x = new Float32Array(all.length * 784); all.forEach((i, j) => x.set(pool.samples.subarray(i * 784, (i + 1) * 784), j * 784));
    const pred = await sus.predict(x, all.length); const ans = new Map<number, number>(); all.forEach((i, j) => ans.set(i, pred[j]));
    const out: string[] = [];
    const ms = all.map((i) => margin.get(i)!).sort((a, b) => a - b);
    for (const qq of [0, 0.05, 0.1, 0.2, 0.3, 0.5]) { const thr = ms[Math.floor(qq * ms.length)];
      const row: string[] = [];
      sel.forEach((s, k) => {
        const codes = new Map<string, { off: number; shown: Set<number>; q: boolean }>();
        s.idx.forEach((i, j) => { if (margin.get(i)! < thr) return; const a = ans.get(i)!, b = bArg.get(i)!; if (a === b) return; const c = pool.coarse[i].toString('latin1'); const e = codes.get(c) ?? { off: s.off[j], shown: new Set(), q: false }; e.shown.add((a - b + 10) % 10); if (i < 60000 && queried.has(i)) e.q = true; codes.set(c, e); });
        const ps = [...codes.values()].map((e) => e.shown.size / 9); const mt = [...codes.values()].filter((e) => e.shown.has(e.off)).length;
        const qm = [...codes.values()].filter((e) => e.shown.has(e.off) && e.q).length;
        const kept = s.idx.filter((i) => margin.get(i)! >= thr).length; const keptQ = s.idx.filter((i) => margin.get(i)! >= thr && i < 60000 && queried.has(i)).length;
        const p = poissonBinomialTail(mt, ps) * 10;
        row.push(k === 0 ? `A ${mt}/${ps.length} (q ${qm}/${keptQ} queried-marked; kept ${kept}) p ${p.toExponential(1)}` : `${mt}/${ps.length}:${p.toExponential(0)}`);
      });
      out.push(`q ${qq} thr ${thr}: ${row[0]} | innocent min p ${Math.min(...row.slice(1).map((r) => Number(r.split(':')[1])))}`);
    }
    console.log(m + '\n  ' + out.join('\n  '));
    sus.dispose();
  }
  oracle.dispose(); pool.dispose();
})();
