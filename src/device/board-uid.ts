import { EdgelockError } from '../errors';
import { parseDeviceUid } from '../keys/device-uid';
import { LIMITS } from '../protocol/definition';

/**
 * A board's unique id as the CLI takes it (--device-uid): exactly the LIMITS.uidSize bytes every board reports
 * (DEVICE_INFO). A shorter id — one byte has 256 values — would bind a lock or a package to almost nothing.
 */
export function parseBoardUid(text: string): Buffer {
  const uid = parseDeviceUid(text);
  if (uid.length !== LIMITS.uidSize) {
    throw new EdgelockError(
      'E_USAGE',
      `--device-uid must be the board's ${LIMITS.uidSize}-byte unique id (${2 * LIMITS.uidSize} hex digits, as ` +
        `\`edgelock device info\` prints it), got ${uid.length} byte${uid.length === 1 ? '' : 's'}`,
    );
  }
  return uid;
}
