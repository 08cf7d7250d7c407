/**
 * Which package goes to which board when `flash` gets several: packages are per device (their uid), so
 *  - two packages for the same device uid are ambiguous (which version wins?) and refused, as is a port given twice;
 *  - packages for boards that are not connected are allowed (a station may be given the whole fleet's packages;
 *    each board takes the one made for its uid, and a board with none fails on its own);
 *  - a single package is sent to every board as is (boards it was not made for refuse it).
 * `checkFlashPlan` runs before any board is touched; `packageFor` picks a board's package once its uid is known.
 */
import { EdgelockError } from '../errors';

export interface PlannedPackage {
  file: string;
  pkg: { deviceUid: string; version: string };
}

export function checkFlashPlan(ports: readonly string[], packages: readonly PlannedPackage[]): void {
  const seenPorts = new Set<string>();
  for (const p of ports) {
    if (seenPorts.has(p)) throw new EdgelockError('E_USAGE', `--port ${p} is given twice`);
    seenPorts.add(p);
  }
  const byUid = new Map<string, PlannedPackage>();
  for (const p of packages) {
    const other = byUid.get(p.pkg.deviceUid);
    if (other) {
      throw new EdgelockError(
        'E_FLASH_AMBIGUOUS',
        `'${other.file}' (version ${other.pkg.version}) and '${p.file}' (version ${p.pkg.version}) are both for device ${p.pkg.deviceUid}; nothing was flashed`,
        { file: p.file },
      );
    }
    byUid.set(p.pkg.deviceUid, p);
  }
}

/** The package for a board: the one made for its uid, else the only one given. */
export function packageFor<P extends PlannedPackage>(uid: string, packages: readonly P[]): P {
  const mine = packages.find((p) => p.pkg.deviceUid === uid);
  if (mine) return mine;
  if (packages.length === 1) return packages[0];
  throw new EdgelockError('E_PACKAGE_WRONG_DEVICE', `none of the ${packages.length} packages is for device ${uid}`);
}
