/**
 * Writes the generated protocol artefacts from src/protocol/definition.ts:
 *   firmware-tools/core/el_protocol.h  and  docs/protocol.md
 * Run: npx tsx scripts/gen-protocol.ts   (test/protocol/generated.test.ts checks they are up to date)
 */
import * as fs from 'fs';
import * as path from 'path';
import { GENERATED_FILES } from '../src/protocol/generated-files';

const root = path.resolve(__dirname, '..');
for (const g of GENERATED_FILES) {
  const file = path.join(root, g.path);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, g.render());
  console.log(`wrote ${g.path}`);
}
