/** The --key / --device-uid flags shared by lock and eval, turned into key material. */
import { EdgelockError } from '../../errors';
import { parseBoardUid } from '../../device/board-uid';
import { readKeyFile } from '../../keys/key-file';
import { KeyMaterial } from '../../lock/key-material';

export function keyMaterialFromFlags(flags: { key?: string; deviceUid?: string }): KeyMaterial | undefined {
  if (!flags.key) {
    if (flags.deviceUid) throw new EdgelockError('E_USAGE', '--device-uid needs --key <keyfile>');
    return undefined;
  }
  return { master: readKeyFile(flags.key), ...(flags.deviceUid ? { deviceUid: parseBoardUid(flags.deviceUid) } : {}) };
}
