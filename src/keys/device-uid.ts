/** A board's unique id as the device protocol reports it: hex text of 1..64 bytes. */
import { EdgelockError } from '../errors';

export function parseDeviceUid(text: string): Buffer {
  const hex = text.trim().toLowerCase();
  if (!/^([0-9a-f]{2}){1,64}$/.test(hex)) {
    throw new EdgelockError(
      'E_USAGE',
      `--device-uid must be the board's unique id in hex (as \`edgelock device info\` prints it), got '${text}'`,
    );
  }
  return Buffer.from(hex, 'hex');
}
