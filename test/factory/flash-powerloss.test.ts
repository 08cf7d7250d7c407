/**
 * Power loss at (almost) every byte operation of a package flash, on the firmware core with the simulated NOR
 * board of test/firmware/c (test/factory/c/flash_powerloss.c, built with ASan+UBSan): after every cut and reboot
 * the active package is the old one or the new one, never anything else, never a verified package lost after
 * FLASH_END acknowledged it; and the host's recovery (resume from FLASH_STATUS when the stored prefix matches,
 * otherwise start over) then activates the new package. Every byte operation near the start (FLASH_BEGIN's record)
 * and near the end (FLASH_END's activation record) is cut; the erase and the chunks in between every 4099 ops.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { deriveDeviceKey } from '../../src/keys/derive';
import { fcModelOfSize } from '../device/models';
import { buildPackage } from '../../src/package/build';
import { buildSanitizedTool, firmwareIncludeArgs, firmwareSources } from '../firmware/firmware-sources';
import { master, pkg } from './flash-helpers';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'build', 'test', 'flash_powerloss');

function build(): string {
  const sources = [
    ...firmwareSources(),
    path.join(ROOT, 'test', 'firmware', 'c', 'sim_board.c'),
    path.join(__dirname, 'c', 'flash_powerloss.c'),
  ];
  return buildSanitizedTool(OUT, [
    ...firmwareIncludeArgs(),
    '-I',
    path.join(ROOT, 'test', 'firmware', 'c'),
    ...sources,
  ]);
}

test('a power cut anywhere in a flash leaves the old or the new package active; the host then completes the flash', () => {
  const tool = build();
  const uid = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
  const a = pkg(fcModelOfSize(41, 3000), uid, '1.0.0', 1);
  const b = pkg(fcModelOfSize(42, 9000), uid, '2.0.0', 2);
  const input = [
    `uid ${uid.toString('hex')}`,
    `key ${deriveDeviceKey(master, uid).toString('hex')}`,
    `a ${a.toString('hex')}`,
    `b ${b.toString('hex')}`,
    'run 4099 1500',
    '',
  ].join('\n');
  const out = execFileSync(tool, [], {
    input,
    maxBuffer: 1 << 20,
    env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
  })
    .toString()
    .trim();
  console.log(`flash power loss: ${out}`);
  const m = out.match(/^cuts (\d+) old (\d+) new (\d+) bad (\d+) resumed (\d+) restarted (\d+) total (\d+)$/);
  expect(m).not.toBeNull();
  const [cuts, old, neu, bad, resumed, restarted, total] = m!.slice(1).map(Number);
  expect(total).toBeGreaterThan(512 * 1024); // the slot erase alone is one operation per byte
  expect(cuts).toBeGreaterThan(3000);
  expect(bad).toBe(0);
  // The activation record's last programmed byte (its magic) is the commit point and the last write of the flash:
  // every cut leaves the old package active, only the uninterrupted run the new one.
  expect(old).toBe(cuts);
  expect(neu).toBe(1);
  expect(resumed).toBeGreaterThan(0); // cuts during the chunks resume from the stored prefix
  expect(restarted).toBeGreaterThan(0); // cuts before or in the erase start over
}, 300000);

test('a power cut at any byte operation while a query budget is counted never gives back an answer, and costs at most the one it tore', () => {
  const tool = build();
  const uid = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
  const withBudget = (lifetime: number) =>
    buildPackage(fcModelOfSize(43, 3000), {
      master,
      deviceUid: uid,
      version: '1.0.0',
      securityCounter: 1,
      queryLimits: { lifetime, perBoot: 0, rateCount: 0, rateWindowMs: 0 },
    }).bytes;
  const run = (lifetime: number, start: number) =>
    execFileSync(tool, [], {
      input: [
        `uid ${uid.toString('hex')}`,
        `key ${deriveDeviceKey(master, uid).toString('hex')}`,
        `a ${withBudget(lifetime).toString('hex')}`,
        `query ${start}`,
        '',
      ].join('\n'),
      maxBuffer: 1 << 20,
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' },
    })
      .toString()
      .trim();
  // the first count under a counter (record + tally erase), and 8 inferences across the 1024-byte tally's erase
  for (const [lifetime, start] of [
    [6, 0],
    [1028, 1020],
  ]) {
    const out = run(lifetime, start);
    console.log(`query budget ${lifetime}, ${start} used, power loss: ${out}`);
    const m = out.match(/^query cuts (\d+) bad (\d+) lost (\d+) total (\d+)$/);
    expect(m).not.toBeNull();
    const [cuts, bad, lost, total] = m!.slice(1).map(Number);
    expect(cuts).toBe(total); // every byte operation of the uninterrupted run was cut once
    expect(total).toBeGreaterThan(lifetime - start + 1024); // includes the tally erase (one operation per byte)
    expect(bad).toBe(0);
    expect(lost).toBeLessThanOrEqual(1);
  }
}, 300000);
