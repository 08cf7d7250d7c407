/** `edgelock keygen -o <master.key> [--json]`: 32 random bytes, mode 0600, never overwrites; prints only the key id. */
import { Command } from 'commander';
import { createKeyFile, readKeyFile } from '../../keys/key-file';
import { keyId } from '../../keys/derive';
import { printJson } from '../output';

export function register(program: Command): Command {
  return program
    .command('keygen')
    .description('create a vendor master key file (32 random bytes, mode 0600); prints its key id, never the key')
    .requiredOption('-o, --output <file>', 'the key file to create (refused if it exists)')
    .option('--json', 'print one JSON object')
    .action((flags: { output: string; json?: boolean }) => {
      createKeyFile(flags.output);
      const key = readKeyFile(flags.output);
      const id = keyId(key);
      key.fill(0);
      if (flags.json) printJson({ output: flags.output, keyId: id, bytes: 32, mode: '0600' });
      else
        process.stdout.write(
          `wrote ${flags.output}: master key, 32 bytes, mode 0600, key id ${id}\nkeep it offline; anyone ` +
            `holding it can unlock every model and derive every device key\n`,
        );
    });
}
