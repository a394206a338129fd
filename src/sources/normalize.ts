/**
 * Providers disagree on number and time formats, and pop-core parses with json-bigint
 * (null-prototype objects, BigNumber for long integers). Everything passes through here first.
 */

function isBigNumber(value: object): value is { toFixed(): string } {
  return (value as { isBigNumber?: boolean }).isBigNumber === true || value.constructor?.name === 'BigNumber';
}

/** Deep copy into plain objects; integers beyond 2^53 become decimal strings. */
export function toPlain<T = unknown>(value: unknown): T {
  if (value === null || typeof value !== 'object') return value as T;
  if (isBigNumber(value)) {
    const text = value.toFixed();
    const n = Number(text);
    return (Number.isSafeInteger(n) ? n : text) as T;
  }
  if (Array.isArray(value)) return value.map((v) => toPlain(v)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = toPlain((value as Record<string, unknown>)[key]);
  return out as T;
}

/** Epoch values below this are seconds; above, milliseconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;

/** Milliseconds, seconds, numeric strings and ISO strings all become a Date; anything else null. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return null;
    return new Date(n < SECONDS_LIMIT ? n * 1000 : n);
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  return null;
}

export function toStr(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

export function toInt(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return null;
}

export function asArray<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
