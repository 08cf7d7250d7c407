/**
 * `edgelock lock <in.onnx> -o <locked.onnx> --key <keyfile> (--device-uid <uid> | --model-key)
 *   [--scheme seal|hpnn] [--json]`
 */
import { Command, Option } from 'commander';
import { EdgelockError } from '../../errors';
import { writeFileAtomic } from '../../formats/atomic-write';
import { loadOnnxFile } from '../../formats/load';
import { checkOutputPaths } from '../../formats/output-guard';
import { writeOnnx } from '../../onnx';
import { lockModel } from '../../lock/lock-model';
import { prepareModel } from '../../compiler/prepare';
import { DEFAULT_SCHEME, SCHEMES, schemeByName } from '../../lock/schemes';
import { printJson } from '../output';
import { formatTable } from '../../text/table';
import { keyMaterialFromFlags } from './key-flags';

interface LockFlags {
  output: string;
  key: string;
  deviceUid?: string;
  modelKey?: boolean;
  scheme: string;
  json?: boolean;
}

export function register(program: Command): Command {
  return program
    .command('lock <model>')
    .description(
      'key-lock an ONNX model to a device (or to a per-model key); the locked model is useless without the key',
    )
    .requiredOption('-o, --output <file>', 'the locked .onnx to write')
    .requiredOption('--key <keyfile>', 'the vendor master key file')
    .option('--device-uid <uid>', 'bind the lock to one device: its unique id in hex (from `edgelock device info`)')
    .option('--model-key', 'bind the lock to a per-model key, delivered wrapped to each device by its package')
    .addOption(new Option('--scheme <name>', 'locking scheme').choices(Object.keys(SCHEMES)).default(DEFAULT_SCHEME))
    .option('--json', 'print one JSON object')
    .action((file: string, flags: LockFlags) => {
      if (!!flags.deviceUid === !!flags.modelKey)
        throw new EdgelockError('E_USAGE', 'give exactly one of --device-uid <uid> and --model-key');
      checkOutputPaths([flags.output], [file, flags.key]);
      const scheme = schemeByName(flags.scheme);
      const material = keyMaterialFromFlags(flags)!;
      const model = loadOnnxFile(file);
      prepareModel(model); // the same validation as compile: a model compile refuses is not locked
      const { model: locked, descriptor: d } = lockModel(model, material, {
        scheme: scheme.name,
        binding: flags.modelKey ? 'model' : 'device',
      });
      material.master.fill(0);
      const bytes = writeOnnx(locked);
      writeFileAtomic(flags.output, bytes);
      const lockedValues = d.scheme === 'seal' ? d.entries.length : undefined;
      const keyBits = scheme.keyBitCount(d);
      const summary = {
        output: flags.output,
        scheme: d.scheme,
        binding: d.binding,
        ...(flags.deviceUid ? { deviceUid: flags.deviceUid.toLowerCase() } : {}),
        lockId: d.lockId,
        keyId: d.keyId,
        cipher: d.cipher,
        entries: d.entries.length,
        keyBits,
        bytes: bytes.length,
      };
      if (flags.json) {
        printJson(summary);
        return;
      }
      const rows: (string | number)[][] = [
        ['scheme', `${d.scheme} — ${scheme.summary}`],
        [
          'binding',
          d.binding === 'device'
            ? `device ${summary.deviceUid}`
            : 'per-model key (wrap it to each device in its package)',
        ],
        ['lock id', d.lockId],
        ['key id', d.keyId],
        [d.scheme === 'seal' ? 'sealed tensors' : 'locked layers', lockedValues ?? d.entries.length],
        ['key bits to guess', keyBits],
      ];
      process.stdout.write(
        `wrote ${flags.output} (${bytes.length} bytes)\n\n${formatTable(['lock', 'value'], rows)}\n`,
      );
    });
}
