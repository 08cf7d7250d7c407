/**
 * The one catalogue of user-facing errors. Every failure a user can see has a stable code here,
 * a one-line description and, where useful, a hint. Codes are never renumbered or reused.
 * Add new codes at the end of their section.
 */
export const ERROR_CATALOGUE = {
  // --- input files and formats
  E_FILE_NOT_FOUND: { summary: 'a file could not be read', hint: 'check the path' },
  E_FILE_WRITE: { summary: 'a file could not be written', hint: 'check the directory exists and is writable' },
  E_FORMAT_UNKNOWN: { summary: 'the bytes are not a format edgelock reads', hint: 'edgelock reads ONNX, TFLite and .elp packages' },
  E_FORMAT_MISMATCH: { summary: 'the file is of a different format than this command needs' },
  E_NPY_INVALID: { summary: 'a .npy file is malformed or of an unsupported dtype', hint: 'save float32 arrays with numpy.save' },
  E_DATA_SHAPE: { summary: 'input data does not fit the model input shape' },

  // --- ONNX import/export
  E_ONNX_PARSE: { summary: 'the ONNX protobuf could not be decoded (truncated or corrupt file)' },
  E_ONNX_EXTERNAL_DATA: { summary: 'the model keeps tensors in external data files', hint: 're-save the model with all tensors embedded (onnx.save(model, path, save_as_external_data=False))' },
  E_ONNX_DOMAIN: { summary: 'the model imports an operator-set domain edgelock does not know' },
  E_ONNX_OPSET: { summary: 'the model uses an unsupported opset version', hint: 'export with opset 11-18' },
  E_ONNX_UNSUPPORTED_OP: { summary: 'the model uses an operator edgelock does not support' },
  E_ONNX_INVALID_NODE: { summary: 'a node is malformed (wrong input count, bad attribute, or an undefined input)' },
  E_ONNX_SHAPE: { summary: 'shape inference failed for a node' },
  E_ONNX_DYNAMIC_SHAPE: { summary: 'a shape that must be static is not known at compile time', hint: 'export with fixed input shapes (batch 1)' },
  E_ONNX_DTYPE: { summary: 'the model uses a tensor data type edgelock does not support' },
  E_ONNX_GRAPH: { summary: 'the graph is malformed (cycle, missing output, duplicate name)' },

  // --- passes and reference execution
  E_PASS_FAILED: { summary: 'a graph pass could not be applied' },
  E_PASS_NO_FIXPOINT: { summary: 'the pass pipeline did not reach a fixed point' },
  E_RUNTIME: { summary: 'the reference runtime failed to run the model' },

  // --- TFLite back end
  E_TFLITE_PARSE: { summary: 'the TFLite flatbuffer could not be decoded' },
  E_TFLITE_UNSUPPORTED: { summary: 'a node has no TFLite (int8) lowering' },
  E_TFLITE_LAYOUT: { summary: 'the NCHW→NHWC layout conversion is not possible for a node' },
  E_CALIB_DATA: { summary: 'calibration data is missing or does not match the model input' },
  E_QUANT_RANGE: { summary: 'a tensor has no usable quantisation range' },

  // --- CLI usage
  E_USAGE: { summary: 'the command line is invalid' },
  E_INTERNAL: { summary: 'an internal error occurred', hint: 'rerun with --debug and report it' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
