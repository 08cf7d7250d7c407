import { DType } from '../ir/types';

/** ONNX TensorProto.DataType numbers for the dtypes the IR holds. */
export const ONNX_DTYPE_CODES: Record<DType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

const NAMES_BY_CODE: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};

const DTYPE_BY_CODE = new Map<number, DType>(Object.entries(ONNX_DTYPE_CODES).map(([k, v]) => [v, k as DType]));

export function dtypeFromOnnx(code: number): DType | undefined {
  return DTYPE_BY_CODE.get(code);
}

export function onnxDtypeName(code: number): string {
  return NAMES_BY_CODE[code] ?? `code ${code}`;
}
