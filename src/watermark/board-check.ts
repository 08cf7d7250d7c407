/**
 * The watermark check with the labels from a board's installed model (the board regenerates the triggers
 * itself, src/watermark/device.ts), and whether the board's slot holds exactly the model file given.
 */
import { createHash } from 'crypto';
import { withDevice } from '../device/client';
import { EdgelockError } from '../errors';
import { recordedInputLayouts } from '../tflite/provenance';
import { readTflite } from '../tflite/reader';
import { verifyOnDevice } from './device';
import { WatermarkedModel } from './model-file';
import { VerifyReport, VerifyRequest } from './verify';

export interface BoardCheck {
  report: VerifyReport;
  port: string;
  slot: number;
  /** whether the slot holds exactly the .tflite file given (unknown for an ONNX file) */
  boardModel: 'same as the file' | 'differs from the file' | 'unknown';
  slotSha256: string;
}

/** Channels C when a .tflite takes its rank-4 input channels-last (edgelock's default), 1 when it takes ONNX order. */
export function tfliteChannels(bytes: Uint8Array): number {
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  const shape = sg ? sg.tensors[sg.inputs[0]]?.shape : undefined;
  if (!shape || shape.length !== 4) return 1;
  const layout = recordedInputLayouts(info.metadata)?.[0];
  return (layout ?? 'nhwc') === 'nhwc' ? shape[3] : 1;
}

export async function verifyOnBoard(
  port: string,
  slot: number,
  model: Pick<WatermarkedModel, 'bytes' | 'format'>,
  req: VerifyRequest,
  onProgress?: (done: number, total: number) => void,
): Promise<BoardCheck> {
  return withDevice(port, async (client) => {
    const info = await client.info();
    const s = info.modelSlots[slot];
    if (!s)
      throw new EdgelockError(
        'E_USAGE',
        `--slot ${slot}: the board on ${port} has ${info.modelSlots.length} model slots`,
      );
    const fileSha = createHash('sha256').update(model.bytes).digest('hex');
    const boardModel =
      model.format === 'tflite' ? (s.sha256 === fileSha ? 'same as the file' : 'differs from the file') : 'unknown';
    const report = await verifyOnDevice(client, {
      ...req,
      slot,
      channels: model.format === 'tflite' ? tfliteChannels(model.bytes) : undefined,
      onProgress,
    });
    return { report, port, slot, boardModel, slotSha256: s.sha256 };
  });
}
