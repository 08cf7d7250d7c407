/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0): little-endian, C-order arrays of the
 * numeric dtypes the IR holds. Read into and written from IR tensors.
 *
 * Layout: magic "\x93NUMPY", major and minor version bytes, header length (uint16 LE for 1.x,
 * uint32 LE for 2.x/3.x), then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (N, 28, 28), }` padded with spaces and a
 * final newline so that the data starts on a 64-byte boundary, then the raw data.
 */
import * as fs from 'fs';
import { EdgelockError } from '../errors';
import { readInputFile } from './read-input';
import { DTYPE_BYTES, shapeSize, tensorBytes, tensorFromBytes } from '../ir/tensor';
import { DType, Tensor } from '../ir/types';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

/** numpy descr (without byte-order character) ↔ IR dtype. */
const DESCR_TO_DTYPE: Record<string, DType> = {
  f4: 'float32',
  f8: 'float64',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u1: 'uint8',
  b1: 'bool',
};
const DTYPE_TO_DESCR: Record<DType, string> = {
  float32: '<f4',
  float64: '<f8',
  float16: '<f2',
  int64: '<i8',
  int32: '<i4',
  int16: '<i2',
  int8: '|i1',
  uint8: '|u1',
  bool: '|b1',
};

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

/** Decodes a .npy byte image into a tensor (the data is copied). `file` only labels errors. */
export function parseNpy(bytes: Uint8Array, file?: string): Tensor {
  const fail = (msg: string): never => {
    throw new EdgelockError('E_NPY_INVALID', msg, file ? { file } : {});
  };
  if (!isNpy(bytes)) fail('not a .npy file (the magic string \\x93NUMPY is missing)');
  if (bytes.length < 10) fail('truncated .npy file: the header is incomplete');
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) fail(`unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail('truncated .npy file: the header length is incomplete');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (bytes.length < dataStart)
    fail(`truncated .npy file: the header needs ${dataStart} bytes, the file has ${bytes.length}`);
  const headerBytes = bytes.subarray(8 + lenBytes, dataStart);
  const headerText = major === 3 ? new TextDecoder('utf-8').decode(headerBytes) : latin1(headerBytes);
  const header = parseHeader(headerText, fail);

  const descr = header.descr;
  const order = descr[0];
  const code = descr.slice(1);
  if (order === '>')
    fail(`big-endian data ('${descr}') is not supported; save with arr.astype(arr.dtype.newbyteorder('<'))`);
  const dtype = DESCR_TO_DTYPE[code];
  if (dtype === undefined || !(order === '<' || order === '|' || (order === '=' && DTYPE_BYTES[dtype] === 1))) {
    fail(
      `unsupported .npy dtype '${descr}' (float32, float64, float16, int64, int32, int16, int8, uint8 and bool are read)`,
    );
  }
  if (DTYPE_BYTES[dtype] > 1 && order !== '<') fail(`dtype '${descr}' has no little-endian marker`);
  if (header.fortranOrder)
    fail('Fortran-order arrays are not supported; save a C-order array (numpy.ascontiguousarray)');

  const need = shapeSize(header.shape) * DTYPE_BYTES[dtype];
  const have = bytes.length - dataStart;
  if (have < need)
    fail(
      `truncated .npy file: shape (${header.shape.join(', ')}) of ${dtype} needs ${need} data bytes, the file has ${have}`,
    );
  if (have > need)
    fail(`corrupt .npy file: ${have - need} bytes follow the array data of shape (${header.shape.join(', ')})`);
  return tensorFromBytes(dtype, header.shape, bytes.subarray(dataStart, dataStart + need));
}

/** Encodes a tensor as a .npy byte image (version 1.0, or 2.0 when the header needs it). */
export function serializeNpy(t: Tensor): Uint8Array {
  const shapeText = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '${DTYPE_TO_DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let major = 1;
  let prefix = 10;
  if (dict.length + 1 + prefix > 0xffff) {
    major = 2;
    prefix = 12;
  }
  const total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  const headerLen = total - prefix;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const data = tensorBytes(t);
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

export function readNpy(path: string): Tensor {
  return parseNpy(readInputFile(path), path);
}

/** Writes atomically (temporary file, then rename), so an interrupted run leaves no half-written file. */
export function writeNpy(path: string, t: Tensor): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, serializeNpy(t));
    fs.renameSync(tmp, path);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean up */
    }
    throw new EdgelockError('E_FILE_WRITE', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      file: path,
    });
  }
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/**
 * Parses the header's Python dict literal. Only the value kinds numpy writes there are accepted:
 * quoted strings, True/False, and tuples of non-negative integers.
 */
function parseHeader(text: string, fail: (msg: string) => never): NpyHeader {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expect = (ch: string) => {
    ws();
    if (text[pos] !== ch)
      fail(`malformed .npy header: expected '${ch}' at position ${pos} in ${JSON.stringify(text.trim())}`);
    pos++;
  };
  const str = (): string => {
    ws();
    const q = text[pos];
    if (q !== "'" && q !== '"') fail(`malformed .npy header: expected a quoted string at position ${pos}`);
    const end = text.indexOf(q, pos + 1);
    if (end < 0) fail('malformed .npy header: unterminated string');
    const s = text.slice(pos + 1, end);
    pos = end + 1;
    return s;
  };
  const value = (): string | boolean | number[] => {
    ws();
    const c = text[pos];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('False', pos)) {
      pos += 5;
      return false;
    }
    if (c === '(') {
      pos++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[pos] === ')') {
          pos++;
          return dims;
        }
        const m = /^(\d+)L?/.exec(text.slice(pos));
        if (!m) fail(`malformed .npy header: bad shape entry at position ${pos}`);
        dims.push(Number(m![1]));
        pos += m![0].length;
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== ')') fail(`malformed .npy header: expected ',' or ')' in the shape at position ${pos}`);
      }
    }
    return fail(`malformed .npy header: unexpected value at position ${pos}`);
  };

  const dict: Record<string, string | boolean | number[]> = {};
  expect('{');
  for (;;) {
    ws();
    if (text[pos] === '}') {
      pos++;
      break;
    }
    const key = str();
    expect(':');
    dict[key] = value();
    ws();
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') fail(`malformed .npy header: expected ',' or '}' at position ${pos}`);
  }
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string')
    fail(
      "malformed .npy header: 'descr' is missing or not a simple dtype string (structured arrays are not supported)",
    );
  if (typeof fortran !== 'boolean') fail("malformed .npy header: 'fortran_order' is missing");
  if (!Array.isArray(shape)) fail("malformed .npy header: 'shape' is missing");
  return { descr: descr as string, fortranOrder: fortran as boolean, shape: shape as number[] };
}
