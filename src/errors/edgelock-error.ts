import { ERROR_CATALOGUE, ErrorCode } from './catalogue';

export interface ErrorLocation {
  file?: string;
  node?: string;
  op?: string;
  offset?: number;
}

/** The only error type that reaches a user. Anything else is an internal error (E_INTERNAL). */
export class EdgelockError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, location: ErrorLocation = {}, hint?: string) {
    super(message);
    this.name = 'EdgelockError';
    this.code = code;
    this.location = location;
    const entry = ERROR_CATALOGUE[code] as { summary: string; hint?: string };
    this.hint = hint ?? entry.hint;
  }

  /** One line: `error E_CODE: message (node 'x', op Conv) — hint`. */
  toLine(): string {
    const where: string[] = [];
    if (this.location.file) where.push(`file '${this.location.file}'`);
    if (this.location.node !== undefined) where.push(`node '${this.location.node}'`);
    if (this.location.op) where.push(`op ${this.location.op}`);
    if (this.location.offset !== undefined) where.push(`offset ${this.location.offset}`);
    const loc = where.length ? ` (${where.join(', ')})` : '';
    const hint = this.hint ? `; hint: ${this.hint}` : '';
    return `error ${this.code}: ${this.message.replace(/\s*\n\s*/g, ' ')}${loc}${hint}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.location, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

export function isEdgelockError(e: unknown): e is EdgelockError {
  return e instanceof EdgelockError;
}

/** Wraps anything thrown into an EdgelockError, preserving one that already is. */
export function asEdgelockError(e: unknown): EdgelockError {
  if (e instanceof EdgelockError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new EdgelockError('E_INTERNAL', msg.split('\n')[0]);
}
