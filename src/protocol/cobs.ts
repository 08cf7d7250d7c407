/**
 * Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): removes every 0x00 from a frame so that 0x00 can
 * delimit frames on the wire. Overhead: at most one byte per 254 bytes of input, plus one.
 */
export function cobsEncode(input: Uint8Array): Buffer {
  const out = Buffer.alloc(input.length + Math.ceil(input.length / 254) + 1);
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
      continue;
    }
    out[o++] = input[i];
    code++;
    if (code === 0xff && i + 1 < input.length) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decodes one COBS block (without its delimiter). Returns undefined when the block is not valid COBS. */
export function cobsDecode(input: Uint8Array): Buffer | undefined {
  const out = Buffer.alloc(input.length);
  let o = 0;
  let i = 0;
  while (i < input.length) {
    const code = input[i++];
    if (code === 0) return undefined;
    const end = i + code - 1;
    if (end > input.length) return undefined;
    for (; i < end; i++) {
      if (input[i] === 0) return undefined;
      out[o++] = input[i];
    }
    if (code !== 0xff && i < input.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
