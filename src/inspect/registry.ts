import { FormatName } from '../formats/detect';
import { tfliteInspector } from './tflite';
import { packageInspector } from './package';
import { Inspector } from './inspector';

/** Inspectors for the non-ONNX formats, keyed by detected format (ONNX is handled by inspect/onnx). */
export const INSPECTORS: Partial<Record<FormatName, Inspector<unknown>>> = {
  tflite: tfliteInspector,
  elp: packageInspector,
};
