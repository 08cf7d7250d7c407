import { FormatName } from '../formats/detect';
import { tfliteInspector } from './tflite';
import { packageInspector } from '../package/inspect';

export interface Inspector<R = unknown> {
  inspect(bytes: Uint8Array, file: string): R;
  format(report: R, file: string): string;
}

/** Inspectors for the non-ONNX formats, keyed by detected format (ONNX is handled by inspect/onnx). */
export const INSPECTORS: Partial<Record<FormatName, Inspector<any>>> = {
  tflite: tfliteInspector,
  elp: packageInspector,
};
