/**
 * The typed in-memory graph IR every phase works on. It mirrors the parts of ONNX that
 * microcontroller models use; the ONNX reader/writer (src/onnx/) converts to and from it.
 */

export type DType = 'float32' | 'float64' | 'float16' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

export type TensorArray =
  | Float32Array
  | Float64Array
  | Uint16Array // float16 raw bits
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | BigInt64Array;

/** A constant tensor (an initializer, a Constant's value, or a folded result). */
export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorArray;
}

/** A dimension: a fixed size, or a symbolic name (e.g. "batch"), or unknown (null). */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  dtype: DType;
  /** null when the rank itself is unknown. */
  shape: Dim[] | null;
}

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: Tensor }
  /** A subgraph (only an `If`'s then_branch/else_branch; src/passes/if-folding.ts inlines the taken one). */
  | { kind: 'graph'; value: Graph };

export interface Node {
  name: string;
  opType: string;
  /** '' is the default ONNX domain ('ai.onnx'). */
  domain: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  /** Graph inputs that are real runtime inputs (initializers are not listed here). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  /** Known type/shape of intermediate values (filled by shape inference). */
  valueInfo: Map<string, ValueInfo>;
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface Model {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  opsetImports: OpsetImport[];
  /** The default-domain opset the file declared when import upgraded it (src/onnx/upgrade.ts). */
  upgradedFrom?: number;
  metadata: Record<string, string>;
  graph: Graph;
}
