import { EdgelockError } from '../errors';
import { OpsetImport } from './types';

/** Default-domain opset versions edgelock reads (7-10 are upgraded to 11 on import: src/onnx/upgrade.ts). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 18;

/** Domains a model may import. Nodes of a non-default domain still fail as unsupported ops. */
const KNOWN_DOMAINS = new Set([
  '',
  'ai.onnx',
  'ai.onnx.ml',
  'ai.onnx.training',
  'ai.onnx.preview.training',
  'com.microsoft',
]);

export function checkOpsets(imports: OpsetImport[], file?: string): void {
  for (const o of imports) {
    if (!KNOWN_DOMAINS.has(o.domain)) {
      throw new EdgelockError(
        'E_ONNX_DOMAIN',
        `the model imports unknown operator-set domain '${o.domain}' (version ${o.version})`,
        { file },
      );
    }
  }
  const v = defaultOpset(imports);
  if (v === undefined)
    throw new EdgelockError('E_ONNX_OPSET', 'the model imports no default (ai.onnx) opset', { file });
  if (v < MIN_OPSET || v > MAX_OPSET) {
    throw new EdgelockError(
      'E_ONNX_OPSET',
      `the model uses ai.onnx opset ${v}; edgelock supports ${MIN_OPSET}-${MAX_OPSET} (${MIN_OPSET}-10 are upgraded to 11 on import)`,
      { file },
    );
  }
}

export function defaultOpset(imports: OpsetImport[]): number | undefined {
  return imports.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
}
