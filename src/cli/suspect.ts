/**
 * The suspect of an ownership check given on the command line: a model file (ONNX or .tflite) or a board on a serial
 * port (its RUN answers), shared by `response-mark verify`, `score-offsets verify` and `watermark verify`.
 */
import { Victim, boardVictim, onnxVictim, tfliteVictim } from '../attack/victim';
import { withDevice } from '../device/client';
import { EdgelockError } from '../errors';
import { detectFormat } from '../formats/detect';
import { readFileBytes } from '../formats/load';

export async function suspectFile(file: string): Promise<Victim> {
  const bytes = readFileBytes(file);
  const format = detectFormat(bytes);
  if (format === 'onnx') return onnxVictim(bytes, file);
  if (format === 'tflite') return tfliteVictim(bytes, file);
  throw new EdgelockError('E_FORMAT_UNKNOWN', `'${file}' is neither an ONNX nor a .tflite model`, { file });
}

/** A check prepared once (keys, pool) and run on one suspect. */
export interface PreparedCheck<T> {
  run(suspect: Victim): Promise<T>;
  dispose(): void;
}

/**
 * Prepares a check and runs it on the suspect `--model <file>` or `--port <p> [--slot n]` name (exactly one of them,
 * refused before anything is prepared), disposing of both.
 */
export async function runOnSuspect<T>(
  f: { model?: string; port?: string; slot?: number },
  prepare: () => Promise<PreparedCheck<T>>,
): Promise<T> {
  if (!f.model === !f.port) throw new EdgelockError('E_USAGE', 'give one of --model <file> or --port <serial port>');
  const check = await prepare();
  try {
    if (f.port)
      return await withDevice(f.port, async (client) => check.run(await boardVictim(client, f.port!, f.slot)));
    const s = await suspectFile(f.model!);
    try {
      return await check.run(s);
    } finally {
      s.dispose();
    }
  } finally {
    check.dispose();
  }
}
