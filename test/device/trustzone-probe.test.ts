/**
 * The TrustZone-M claim, attacked (issue 14): on qemu-mps2-an505 the key store, the unsealed weights, the tensor
 * arena and the secure code are out of reach of the non-secure image, which owns the UART and the whole protocol.
 *
 * The attacker here is the non-secure firmware itself: a test build (flavour `tz-probe`) adds PROBE_READ, which reads
 * any address from the non-secure state byte by byte, as a compromised or malicious non-secure image would. The
 * addresses come from the secure image's symbol table (arm-none-eabi-nm), as an attacker holding the firmware file
 * would take them. With a provisioned key and a locked model flashed as a package and run (so its weights sit
 * unsealed in secure RAM and its activations in the secure arena), every read of the key store, the unseal buffer,
 * the arena and a secure function - through the secure alias and through the non-secure alias of the same memory -
 * must end in a fault the secure image catches and reports, the board must come back in a defined state, and no
 * byte of the key or of a plaintext weight may be in anything the host received. Three builds, three guards:
 *  - `tz-probe`: the SAU (with the IDAU) faults every read (SecureFault, SFSR.AUVIOL) and the board keeps running;
 *  - `tz-probe,tz-sau-open`: the SAU is opened over all RAM's non-secure aliases (a mistaken SAU setup), so the
 *    memory protection controllers alone stop the non-secure-alias reads (BusFault, CFSR.PRECISERR);
 *  - `tz-probe-reset`: faults handled as in production builds: the board resets, the host's request goes
 *    unanswered (E_DEVICE_TIMEOUT), and the board answers again with its key, package and model intact.
 * A control read of the non-secure image's own code returns its bytes, so the probe demonstrably reads.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { startBoard } from '../../src/board';
import { buildDir, boardByName } from '../../src/board/build';
import { DeviceClient } from '../../src/device/client';
import { ByteLink } from '../../src/device/link';
import { openSerialLink } from '../../src/device/serial-link';
import { Transport, TransportOptions } from '../../src/device/transport';
import { EdgelockError } from '../../src/errors';
import { flashPackage } from '../../src/factory/flash';
import { deriveDeviceKey } from '../../src/keys/derive';
import { compileLocked } from '../../src/lock/compile-locked';
import { lockModel, unlockModel } from '../../src/lock/lock-model';
import { compileModel } from '../../src/compiler/compile';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { buildPackage } from '../../src/package/build';
import { RECORDS, commandByName } from '../../src/protocol/definition';
import { decodeFields, encodeFields } from '../../src/protocol/payload';
import { mnistInt8Options } from './models';
import { freshStateDir, removeRunRoot, stopAllBoards } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const BOARD = 'qemu-mps2-an505';
const MASTER = Buffer.from('74727573747a6f6e652d70726f62652d6d61737465722d6b65792d3332622e', 'hex');
const PROBE = commandByName('PROBE_READ');
const AUVIOL = 1 << 3; // SFSR: attribution unit violation
const PRECISERR = 1 << 9; // CFSR: precise data bus error
const NS_CODE = 0x00200000; // the non-secure image (boards/qemu-mps2-an505/nonsecure.ld)
const FAULT_KINDS: Record<number, string> = { 1: 'SecureFault', 2: 'BusFault', 3: 'HardFault' };

afterAll(async () => {
  await stopAllBoards();
  removeRunRoot();
});

/** Address of a symbol in an ELF file (local symbols included), from arm-none-eabi-nm. */
function symbol(elf: string, name: string): number {
  const out = execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.split(' ')[2] === name);
  if (!line) throw new Error(`${name} not in ${elf}`);
  return parseInt(line.split(' ')[0], 16);
}

/** 16-byte chunks of the plain model that the locked model does not contain: the sealed weights in plaintext. */
function plaintextChunks(plain: Uint8Array, locked: Uint8Array): Buffer[] {
  const lockedBuf = Buffer.from(locked);
  const chunks: Buffer[] = [];
  for (let off = 0; off + 16 <= plain.length; off += 16) {
    const c = Buffer.from(plain.subarray(off, off + 16));
    if (new Set(c).size > 4 && lockedBuf.indexOf(c) < 0) chunks.push(c);
  }
  return chunks;
}

/** A board of `flavour` with a provisioned key and a locked LeNet flashed as a package and run once; everything the
 * host receives from it is recorded. */
async function attackedBoard(flavour: string) {
  const b = await startBoard({ board: BOARD, stateDir: freshStateDir(flavour.replace(/,/g, '+')), flavour });
  const secureElf = path.join(buildDir(boardByName(BOARD), flavour), 'secure.elf');
  const nsElf = path.join(path.dirname(secureElf), 'nonsecure.elf');
  const link = await openSerialLink(b.port);
  const received: Buffer[] = [];
  let receiver: ((bytes: Buffer) => void) | undefined;
  link.onData((bytes) => {
    received.push(Buffer.from(bytes));
    receiver?.(bytes);
  });
  // one link, one receiver at a time: a new client (e.g. with fewer attempts) takes the link over
  const tapped: ByteLink = { ...link, onData: (cb) => (receiver = cb) };
  const clientWith = (opts?: TransportOptions) => new DeviceClient(new Transport(tapped, opts), b.port);
  const client = clientWith();

  const uid = Buffer.from((await client.info()).uid, 'hex');
  const key = deriveDeviceKey(MASTER, uid);
  expect(await client.keyWrite(key)).toBe('written');

  const material = { master: MASTER, deviceUid: uid };
  const onnx = readOnnx(fs.readFileSync(path.join(ROOT, 'models', 'mnist-lenet.onnx')));
  const lockedOnnx = writeOnnx(lockModel(onnx, material, { binding: 'device', scheme: 'seal' }).model);
  const locked = (await compileLocked(lockedOnnx, material, mnistInt8Options(8))).bytes;
  const plain = (await compileModel(writeOnnx(unlockModel(readOnnx(lockedOnnx), material)), mnistInt8Options(8))).bytes;
  const secrets = plaintextChunks(plain, locked);
  expect(secrets.length).toBeGreaterThan(1000); // LeNet's sealed weights: ~60 KB

  const pkgBytes = buildPackage(locked, { master: MASTER, deviceUid: uid, version: '1.0.0', securityCounter: 1 }).bytes;
  const { slot } = await flashPackage(client, pkgBytes);
  const input = Int8Array.from({ length: 784 }, (_, i) => ((i * 37) % 256) - 128);
  const before = Array.from((await client.run(slot, input)).outputs[0].int8);

  const targets: [string, number][] = [
    ['key store (keystore.c g_body)', symbol(secureElf, 'g_body')],
    ['unsealed weights (el_lock_unseal.c g_ram)', symbol(secureElf, 'g_ram')],
    ['tensor arena (el_runtime_module.c g_arenas)', symbol(secureElf, 'g_arenas')],
    ['response mark key state (response_mark.c g_mark_state)', symbol(secureElf, 'g_mark_state')],
    ['score offsets key state (score_offsets.c g_score_state)', symbol(secureElf, 'g_score_state')],
    ['score offsets signs (score_offsets.c g_sign_bits)', symbol(secureElf, 'g_sign_bits')],
    ['secure code (el_hmac_sha256)', symbol(secureElf, 'el_hmac_sha256') & ~1],
  ];
  for (const [, a] of targets) expect(a & 0x10000000).toBeTruthy(); // linked in the secure alias

  /** PROBE_READ as raw status and body. */
  const probe = async (c: DeviceClient, address: number, length: number) => {
    const r = await c.transport.request(PROBE, encodeFields(PROBE.request, { address, length }));
    return { status: r.status, body: r.body };
  };

  /** The control read: the non-secure image's own vector table reads back as linked. */
  const control = async (c: DeviceClient) => {
    const r = await probe(c, NS_CODE, 64);
    expect(r.status).toBe(0);
    const textBin = path.join(b.stateDir, 'ns-text.bin');
    execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', nsElf, textBin]);
    expect(r.body.equals(fs.readFileSync(textBin).subarray(0, 64))).toBe(true);
  };

  /** Nothing the host received holds the key (or any 8 of its bytes) or a 16-byte chunk of plaintext weights. */
  const leaks = () => {
    const all = Buffer.concat(received);
    expect(all.length).toBeGreaterThan(1000);
    expect(all.indexOf(key)).toBe(-1);
    let keyWindows = 0;
    for (let i = 0; i + 8 <= key.length; i++) if (all.indexOf(key.subarray(i, i + 8)) >= 0) keyWindows++;
    const weightChunks = secrets.filter((c) => all.indexOf(c) >= 0).length;
    expect(keyWindows).toBe(0);
    expect(weightChunks).toBe(0);
    return `host received ${all.length} bytes: 0 of the 32 key bytes' 8-byte windows, 0 of ${secrets.length} plaintext weight chunks (16 B)`;
  };

  /** Same identity, same key, same model, same answer. */
  const intact = async (c: DeviceClient) => {
    const info = await c.info();
    expect(info.uid).toBe(uid.toString('hex'));
    expect(info.keyProvisioned).toBe(true);
    expect(info.modelSlots[slot].state).toBe('ready');
    expect((await c.keyCheck()).equals(crypto.createHmac('sha256', key).update('check').digest())).toBe(true);
    expect(Array.from((await c.run(slot, input)).outputs[0].int8)).toEqual(before);
    return info;
  };

  return { b, secureElf, nsElf, client, clientWith, targets, probe, control, leaks, intact };
}

function describeRecord(what: string, address: number, rec: Record<string, unknown>): string {
  const hex = (v: unknown) => `0x${(v as number).toString(16)}`;
  return `${what} at ${hex(address)}: ${FAULT_KINDS[rec.kind as number]} SFSR ${hex(rec.sfsr)} CFSR ${hex(rec.cfsr)} at pc ${hex(rec.pc)}`;
}

test('qemu-mps2-an505: non-secure reads of the key store, unsealed weights, tensor arena and secure code fault; nothing leaks', async () => {
  const t = await attackedBoard('tz-probe');
  try {
    // The non-secure image cannot even compute with a key: none of the key store, crypto, lock or runtime code is in it.
    const nsSymbols = execFileSync('arm-none-eabi-nm', [t.nsElf], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[2])
      .filter(Boolean);
    expect(nsSymbols).toContain('el_tz_command'); // the veneer it calls
    expect(
      nsSymbols.filter((n) => /^el_(keystore|hmac|hkdf|sha256|chacha20|lock|model|package|slot|runtime)/.test(n)),
    ).toEqual([]);

    await t.control(t.client);
    const report: string[] = [];
    for (const [what, secureAddress] of t.targets) {
      for (const address of [secureAddress, secureAddress & ~0x10000000]) {
        const r = await t.probe(t.client, address, 256);
        expect(r.status).toBe(0x70); // ERR_SECURE_FAULT
        const rec = decodeFields(RECORDS.FAULT_RECORD, r.body)!;
        expect(rec).toBeDefined();
        expect(r.body.length).toBe(15); // the record, no data
        expect(rec.kind).toBe(1); // SecureFault
        expect((rec.sfsr as number) & AUVIOL).toBe(AUVIOL);
        expect(rec.bytes_read).toBe(0);
        expect(rec.pc as number).toBeGreaterThanOrEqual(NS_CODE); // the faulting load is the probe's, in non-secure code
        report.push(describeRecord(what, address, rec));
      }
    }
    // The board survived every fault: same identity, same model, same answer.
    await t.intact(t.client);
    console.log(
      `${BOARD} (tz-probe build): ${report.length} non-secure reads of 256 B of secure memory, all caught, 0 ` +
        `bytes answered:\n  ${report.join('\n  ')}\n${t.leaks()}`,
    );
  } finally {
    await t.client.close().catch(() => undefined);
  }
}, 240_000);

test('qemu-mps2-an505 with the SAU opened over all RAM: the MPCs alone stop the non-secure-alias reads (BusFault); nothing leaks', async () => {
  const t = await attackedBoard('tz-probe,tz-sau-open');
  try {
    await t.control(t.client);
    const report: string[] = [];
    for (const [what, secureAddress] of t.targets) {
      // the non-secure alias: now a non-secure address for the SAU and the IDAU, so only the MPC stands in the way
      const nsAlias = secureAddress & ~0x10000000;
      const r = await t.probe(t.client, nsAlias, 256);
      expect(r.status).toBe(0x70); // ERR_SECURE_FAULT
      expect(r.body.length).toBe(15);
      const rec = decodeFields(RECORDS.FAULT_RECORD, r.body)!;
      expect(rec.kind).toBe(2); // BusFault: the MPC answered the access with a bus error
      expect((rec.cfsr as number) & PRECISERR).toBe(PRECISERR);
      expect(rec.sfsr).toBe(0); // not the SAU this time
      expect(rec.bytes_read).toBe(0);
      expect(rec.pc as number).toBeGreaterThanOrEqual(NS_CODE);
      report.push(describeRecord(what, nsAlias, rec));
      // the secure alias stays secure whatever the SAU says (the IDAU): SecureFault
      const s = await t.probe(t.client, secureAddress, 16);
      expect(s.status).toBe(0x70);
      const srec = decodeFields(RECORDS.FAULT_RECORD, s.body)!;
      expect(srec.kind).toBe(1);
      expect((srec.sfsr as number) & AUVIOL).toBe(AUVIOL);
      report.push(describeRecord(what, secureAddress, srec));
    }
    // the host-side error: a stable catalogue code, no stack trace, no bytes
    const [, keyStore] = t.targets[0];
    await expect(t.client.call('PROBE_READ', { address: keyStore & ~0x10000000, length: 32 })).rejects.toMatchObject({
      code: 'E_DEVICE_SECURE_FAULT',
    });
    await t.intact(t.client);
    console.log(
      `${BOARD} (tz-probe,tz-sau-open build): ${report.length + 1} non-secure reads, all caught, 0 bytes answered:\n  ${report.join('\n  ')}\n${t.leaks()}`,
    );
  } finally {
    await t.client.close().catch(() => undefined);
  }
}, 240_000);

test(
  'qemu-mps2-an505 with production fault handling: a read of the key store or the unsealed weights resets ' +
    'the board, which comes back with its key, package and model',
  async () => {
    const t = await attackedBoard('tz-probe-reset');
    try {
      await t.control(t.client);
      const executedBefore = (await t.client.info()).executed;
      expect(executedBefore).toBeGreaterThan(10);
      const report: string[] = [];
      for (const [what, address] of t.targets.slice(0, 2)) {
        // one attempt: a retry would be one more fault and one more reset
        const once = t.clientWith({ attempts: 1 });
        const err = await t.probe(once, address, 256).then(
          (r) => r,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(EdgelockError);
        expect((err as EdgelockError).code).toBe('E_DEVICE_TIMEOUT'); // no answer at all: the board reset
        // the board boots again on the same port and answers; its request counter started over
        const c = t.clientWith({ attempts: 10 });
        const info = await t.intact(c);
        expect(info.executed).toBeLessThan(executedBefore);
        report.push(
          `${what} at 0x${address.toString(16)}: no answer, board reset, back with executed=${info.executed}`,
        );
      }
      await t.control(t.clientWith());
      console.log(
        `${BOARD} (tz-probe-reset build): ${report.length} non-secure reads, each reset the board:\n  ${report.join('\n  ')}\n${t.leaks()}`,
      );
    } finally {
      await t.client.close().catch(() => undefined);
    }
  },
  240_000,
);
