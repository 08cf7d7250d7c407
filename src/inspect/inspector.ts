/** What `edgelock inspect` does for one format: a report from the bytes, and its text form. */
export interface Inspector<R = unknown> {
  inspect(bytes: Uint8Array, file: string): R;
  format(report: R, file: string): string;
}
