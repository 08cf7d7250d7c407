/** The TFLite flatbuffer file identifier, written at bytes 4..8 of every .tflite file. */
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** True when the bytes carry the TFLite file identifier at offset 4. */
export function isTflite(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== TFLITE_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}
