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
 * must end in a fault the secure image catches (SecureFault, SFSR.AUVIOL) and reports, the board must keep
 * answering and keep running the model, and no byte of the key or of a plaintext weight may be in anything the host
 * received. A control read of the non-secure image's own code returns its bytes, so the probe demonstrably reads.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { startBoard } from '../../src/board';
import { buildDir, boardByName } from '../../src/board/build';
import { DeviceClient } from '../../src/device/client';
import { ByteLink } from '../../src/device/link';
import { openSerialLink } from '../../src/device/serial-link';
import { Transport } from '../../src/device/transport';
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
const AUVIOL = 1 << 3;

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

test('qemu-mps2-an505: non-secure reads of the key store, unsealed weights, tensor arena and secure code fault; nothing leaks', async () => {
  const b = await startBoard({ board: BOARD, stateDir: freshStateDir('tz-probe'), flavour: 'tz-probe' });
  const secureElf = path.join(buildDir(boardByName(BOARD), 'tz-probe'), 'secure.elf');
  const nsElf = path.join(path.dirname(secureElf), 'nonsecure.elf');
  const link = await openSerialLink(b.port);
  const received: Buffer[] = [];
  const tapped: ByteLink = {
    ...link,
    onData: (cb) =>
      link.onData((bytes) => {
        received.push(Buffer.from(bytes));
        cb(bytes);
      }),
  };
  const client = new DeviceClient(new Transport(tapped), b.port);
  try {
    const uid = Buffer.from((await client.info()).uid, 'hex');
    const key = deriveDeviceKey(MASTER, uid);
    expect(await client.keyWrite(key)).toBe('written');

    const material = { master: MASTER, deviceUid: uid };
    const onnx = readOnnx(fs.readFileSync(path.join(ROOT, 'models', 'mnist-lenet.onnx')));
    const lockedOnnx = writeOnnx(lockModel(onnx, material, { binding: 'device', scheme: 'seal' }).model);
    const locked = (await compileLocked(lockedOnnx, material, mnistInt8Options(8))).bytes;
    const plain = (await compileModel(writeOnnx(unlockModel(readOnnx(lockedOnnx), material)), mnistInt8Options(8)))
      .bytes;
    const secrets = plaintextChunks(plain, locked);
    expect(secrets.length).toBeGreaterThan(1000); // LeNet's sealed weights: ~60 KB

    const pkgBytes = buildPackage(locked, {
      master: MASTER,
      deviceUid: uid,
      version: '1.0.0',
      securityCounter: 1,
    }).bytes;
    const { slot } = await flashPackage(client, pkgBytes);
    const input = Int8Array.from({ length: 784 }, (_, i) => ((i * 37) % 256) - 128);
    const before = Array.from((await client.run(slot, input)).outputs[0].int8);

    const probe = async (address: number, length: number) => {
      const r = await client.transport.request(PROBE, encodeFields(PROBE.request, { address, length }));
      return { status: r.status, body: r.body };
    };

    // The non-secure image cannot even compute with a key: none of the key store, crypto, lock or runtime code is in it.
    const nsSymbols = execFileSync('arm-none-eabi-nm', [nsElf], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[2])
      .filter(Boolean);
    expect(nsSymbols).toContain('el_tz_command'); // the veneer it calls
    expect(
      nsSymbols.filter((n) => /^el_(keystore|hmac|hkdf|sha256|chacha20|lock|model|package|slot|runtime)/.test(n)),
    ).toEqual([]);

    // Control: the non-secure image's own vector table reads back as linked.
    const nsCode = 0x00200000;
    const control = await probe(nsCode, 64);
    expect(control.status).toBe(0);
    const textBin = path.join(b.stateDir, 'ns-text.bin');
    execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', '-j', '.text', nsElf, textBin]);
    const elfVectors = fs.readFileSync(textBin).subarray(0, 64);
    expect(control.body.equals(elfVectors)).toBe(true);

    const targets: [string, number][] = [
      ['key store (keystore.c g_body)', symbol(secureElf, 'g_body')],
      ['unsealed weights (el_lock_unseal.c g_ram)', symbol(secureElf, 'g_ram')],
      ['tensor arena (el_runtime_module.c g_arenas)', symbol(secureElf, 'g_arenas')],
      ['secure code (el_hmac_sha256)', symbol(secureElf, 'el_hmac_sha256') & ~1],
    ];
    const report: string[] = [];
    for (const [what, secureAddress] of targets) {
      expect(secureAddress & 0x10000000).toBeTruthy(); // linked in the secure alias
      for (const address of [secureAddress, secureAddress & ~0x10000000]) {
        const r = await probe(address, 256);
        expect(r.status).toBe(0x70); // ERR_SECURE_FAULT
        const rec = decodeFields(RECORDS.FAULT_RECORD, r.body)!;
        expect(rec).toBeDefined();
        expect(r.body.length).toBe(15); // the record, no data
        expect(rec.kind).toBe(1); // SecureFault
        expect((rec.sfsr as number) & AUVIOL).toBe(AUVIOL);
        expect(rec.bytes_read).toBe(0);
        expect(rec.pc as number).toBeGreaterThanOrEqual(nsCode); // the faulting load is the probe's, in non-secure code
        report.push(
          `${what} at 0x${address.toString(16)}: SecureFault SFSR 0x${(rec.sfsr as number).toString(16)} CFSR 0x${(rec.cfsr as number).toString(16)} at pc 0x${(rec.pc as number).toString(16)}`,
        );
      }
    }

    // The board survived every fault: same identity, same model, same answer.
    const info = await client.info();
    expect(info.uid).toBe(uid.toString('hex'));
    expect(Array.from((await client.run(slot, input)).outputs[0].int8)).toEqual(before);

    const all = Buffer.concat(received);
    expect(all.length).toBeGreaterThan(1000);
    expect(all.indexOf(key)).toBe(-1);
    for (let i = 0; i + 8 <= key.length; i++) expect(all.indexOf(key.subarray(i, i + 8))).toBe(-1);
    const leaked = secrets.filter((c) => all.indexOf(c) >= 0).length;
    expect(leaked).toBe(0);
    console.log(
      `${BOARD} (tz-probe build): ${report.length} non-secure reads of secure memory, all caught:\n  ${report.join('\n  ')}\n` +
        `host received ${all.length} bytes: 0 of the 32 key bytes' 8-byte windows, 0 of ${secrets.length} plaintext weight chunks (16 B)`,
    );
  } finally {
    await client.close().catch(() => undefined);
  }
}, 240_000);
