/**
 * The owner-watermark part of `edgelock verify`: the board runs the owner's triggers on its active model
 * (the WATERMARK_* commands, src/watermark/device.ts) and the host scores the labels (exact binomial p-value).
 * The watermark's public parameters come from the model: a package (.elp, its model's metadata), the .tflite,
 * the watermarked ONNX, or a JSON copy of the record.
 */
import { DeviceClient } from '../device/client';
import { EdgelockError } from '../errors';
import { detectFormat } from '../formats/detect';
import { readOnnx } from '../onnx/reader';
import { decodePackage } from '../package/decode';
import { WatermarkRecord, parseRecord, recordFromOnnx, recordFromTflite } from '../watermark/metadata';
import { verifyOnDevice } from '../watermark/device';
import { BaseData, VerifyReport } from '../watermark/verify';

/** The watermark record and the model it came from (for the input layout). */
export function watermarkParams(bytes: Uint8Array, file: string): { record: WatermarkRecord; tflite?: Uint8Array } {
  const fmt = detectFormat(bytes);
  const where = `'${file}'`;
  let record: WatermarkRecord | null;
  let tflite: Uint8Array | undefined;
  if (fmt === 'elp') {
    tflite = decodePackage(bytes, file).model;
    record = recordFromTflite(tflite, where);
  } else if (fmt === 'tflite') {
    tflite = bytes;
    record = recordFromTflite(bytes, where);
  } else if (fmt === 'onnx') {
    record = recordFromOnnx(readOnnx(bytes, file), where);
  } else {
    record = parseRecord(Buffer.from(bytes).toString('utf8'), where);
  }
  if (!record)
    throw new EdgelockError(
      'E_WATERMARK_PARAMS',
      `${where} carries no watermark record`,
      { file },
      'pass the watermarked model, its package, or a JSON copy of its record',
    );
  return { record, tflite };
}

export interface OwnerCheckRequest {
  signature: Uint8Array;
  record: WatermarkRecord;
  base: BaseData;
  nullRate: number;
  alpha: number;
  /** the slot whose model is checked (the active package's) */
  slot: number;
  /** channels C of a channels-last device input (see ProtocolPortOptions.channels); undefined: read from the device */
  channels?: number;
  onProgress?: (done: number, total: number) => void;
}

export function ownerCheck(client: DeviceClient, r: OwnerCheckRequest): Promise<VerifyReport> {
  return verifyOnDevice(client, {
    signature: r.signature,
    params: r.record,
    record: r.record,
    base: r.base,
    nullRate: r.nullRate,
    alpha: r.alpha,
    slot: r.slot,
    channels: r.channels,
    onProgress: r.onProgress,
  });
}
