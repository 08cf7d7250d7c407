/**
 * IDX files (the MNIST distribution format): two zero bytes, a type code, the number of
 * dimensions, then each dimension as a big-endian uint32, then the data in C order.
 * Only unsigned-byte data (type 0x08), the type MNIST uses, is read.
 */
import { EdgelockError } from '../errors';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

export function parseIdx(bytes: Uint8Array, file?: string): IdxArray {
  const fail = (msg: string): never => {
    throw new EdgelockError('E_FORMAT_UNKNOWN', msg, file ? { file } : {});
  };
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) fail('not an IDX file (the first two bytes must be zero)');
  if (bytes[2] !== UBYTE) fail(`IDX data type 0x${bytes[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const rank = bytes[3];
  const start = 4 + 4 * rank;
  if (rank === 0 || bytes.length < start) fail('truncated IDX file: the dimension list is incomplete');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let n = 1;
  for (let i = 0; i < rank; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    n *= d;
  }
  if (bytes.length - start !== n)
    fail(`IDX file holds ${bytes.length - start} data bytes, its shape [${shape}] needs ${n}`);
  return { shape, data: bytes.subarray(start, start + n) };
}

export function isIdxUbyte(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && bytes[2] === UBYTE && bytes[3] > 0;
}
