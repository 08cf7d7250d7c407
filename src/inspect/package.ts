/** `edgelock inspect` for packages: header, records and what can be said about the tag without a key. */
import { humanBytes } from '../text/bytes';
import { formatTable } from '../text/table';
import type { Inspector } from './inspector';
import { decodePackage } from '../package/decode';
import { QueryLimits, describeQueryLimits } from '../package/query-limits';
import { ResponseMarkParams, describeResponseMark } from '../package/response-mark';
import { OffsetsShape, describeScoreOffsets, offsetsShape } from '../package/score-offsets';

export interface PackageReport {
  format: 'elp';
  formatVersion: number;
  totalSize: number;
  sha256: string;
  version: string;
  securityCounter: number;
  deviceUid: string;
  modelBytes: number;
  modelSha256: string;
  locked: boolean;
  wrappedModelKey: boolean;
  watermarkCommitment: string | null;
  queryLimits: QueryLimits | null;
  responseMark: ResponseMarkParams | null;
  scoreOffsets: OffsetsShape | null;
  records: { type: number; name: string; offset: number; valueOffset: number; length: number }[];
  tag: { kind: 'hmac-sha256-device'; valid: 'unknown'; note: string };
}

export function inspectPackage(bytes: Uint8Array, file: string): PackageReport {
  const p = decodePackage(bytes, file);
  return {
    format: 'elp',
    formatVersion: p.formatVersion,
    totalSize: p.totalSize,
    sha256: p.sha256,
    version: p.version,
    securityCounter: p.securityCounter,
    deviceUid: p.deviceUid,
    modelBytes: p.model.length,
    modelSha256: p.modelSha256,
    locked: p.lockDescriptor !== undefined,
    wrappedModelKey: p.wrappedModelKey !== undefined,
    watermarkCommitment: p.watermarkCommitment ?? null,
    queryLimits: p.queryLimits ?? null,
    responseMark: p.responseMark ?? null,
    scoreOffsets: p.scoreOffsets ? offsetsShape(p.scoreOffsets) : null,
    records: p.records.map((r) => ({
      type: r.type,
      name: r.name,
      offset: r.offset,
      valueOffset: r.valueOffset,
      length: r.length,
    })),
    tag: {
      kind: 'hmac-sha256-device',
      valid: 'unknown',
      note: 'only the board (or the holder of the master key) can check it',
    },
  };
}

/** What a package holds, a field a line (`inspect` and the `package` command print these). */
export function packageFieldLines(r: PackageReport): string[] {
  const locked = r.locked ? `yes${r.wrappedModelKey ? ' (model key wrapped to the device)' : ''}` : 'no';
  return [
    `sha256            ${r.sha256}`,
    `version           ${r.version}`,
    `security counter  ${r.securityCounter}`,
    `device uid        ${r.deviceUid}`,
    `model             ${humanBytes(r.modelBytes)}, sha256 ${r.modelSha256}`,
    `locked            ${locked}`,
    `watermark         ${r.watermarkCommitment ? `commitment ${r.watermarkCommitment}` : 'none'}`,
    `query limits      ${r.queryLimits ? describeQueryLimits(r.queryLimits) : 'none'}`,
    `response mark     ${r.responseMark ? describeResponseMark(r.responseMark) : 'off'}`,
    `score offsets     ${r.scoreOffsets ? describeScoreOffsets(r.scoreOffsets) : 'off'}`,
  ];
}

export function formatPackageReport(r: PackageReport, file: string): string {
  return [
    `${file}: edgelock package, format ${r.formatVersion}, ${humanBytes(r.totalSize)}`,
    ...packageFieldLines(r),
    `tag               HMAC-SHA256 under the device's package key: validity unknown (${r.tag.note})`,
    '',
    formatTable(
      ['type', 'record', 'offset', 'value at', 'bytes'],
      r.records.map((x) => [x.type, x.name, x.offset, x.valueOffset, x.length]),
    ),
  ].join('\n');
}

export const packageInspector: Inspector<PackageReport> = { inspect: inspectPackage, format: formatPackageReport };
