/**
 * The full attack table for docs/security.md (too slow for CI): every zoo MNIST model × scheme ×
 * fraction, through the same code as `edgelock attack <locked.onnx> --data mnist-train
 * --fraction <f>`. Run: npx tsx test/attack/attack-table.ts [--models mnist-mlp,mnist-lenet]
 *   [--schemes seal,hpnn] [--fractions 0.01,0.1] [--test-limit n] [--epochs n] [--scratch-seeds k]
 * Prints one markdown table per run and a JSON line per run.
 */
import { formatAttackReport } from '../../src/cli/commands/attack';
import { runAttacks } from '../../src/attack/run-attacks';
import { loadMnist } from '../../src/data/mnist';
import { lockModel } from '../../src/lock/lock-model';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { readFileSync } from 'fs';
import { join } from 'path';
import { randomBytes } from 'crypto';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const models = arg('models', 'mnist-mlp').split(',');
const schemes = arg('schemes', 'seal,hpnn').split(',');
const fractions = arg('fractions', '0.01,0.1').split(',').map(Number);
const testLimit = Number(arg('test-limit', '10000'));
const epochs = process.argv.includes('--epochs') ? Number(arg('epochs', '0')) : undefined;
const scratchSeeds = Number(arg('scratch-seeds', '1'));

const tr = loadMnist('train');
const te = loadMnist('test');
const train = { x: tr.images, labels: tr.labels, count: tr.count };
const test = {
  x: te.images.subarray(0, testLimit * 784),
  labels: te.labels.subarray(0, testLimit),
  count: Math.min(testLimit, te.count),
};

for (const m of models) {
  const model = readOnnx(readFileSync(join(__dirname, '..', '..', 'models', `${m}.onnx`)));
  for (const scheme of schemes) {
    // A throwaway master key: the attacker never sees it, and nothing here prints it.
    const locked = readOnnx(
      writeOnnx(
        lockModel(
          model,
          { master: randomBytes(32), deviceUid: Buffer.from('0001020304050607', 'hex') },
          { scheme, binding: 'device' },
        ).model,
      ),
    );
    for (const fraction of fractions) {
      const report = runAttacks(locked, train, test, {
        fraction,
        budget: { ...(epochs ? { epochs } : {}), scratchSeeds },
        onRow: (r) =>
          process.stderr.write(
            `${m} ${scheme} ${fraction} ${r.attack}: ${(r.accuracy * 100).toFixed(2)}% ${r.seconds.toFixed(1)} s\n`,
          ),
      });
      process.stdout.write(`\n### ${m}, ${scheme}, fraction ${fraction}\n\n${formatAttackReport(report)}\n`);
      process.stdout.write(`JSON ${JSON.stringify({ model: m, ...report })}\n`);
    }
  }
}
