/** A provider's wait longer than this is read as this: a client should look again within a minute. */
export const MAX_PROVIDER_WAIT_MS = 60_000;

/**
 * A `Retry-After` header (RFC 9110: delay-seconds or an HTTP-date) as milliseconds from `now`,
 * or null when absent or unreadable. A date in the past means "now" (0).
 */
export function retryAfterHeaderMs(value: unknown, now = Date.now()): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return null;
  const trimmed = String(text).trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const date = Date.parse(trimmed);
    if (!/[a-z]/i.test(trimmed) || Number.isNaN(date)) return null;
    ms = date - now;
  }
  return Math.round(Math.min(Math.max(ms, 0), MAX_PROVIDER_WAIT_MS));
}

/** A wait in milliseconds given as a number or numeric text (AWS's `x-amz-retry-after`), or null. */
export function millisecondsHeader(value: unknown): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text.trim())) return null;
  return Math.min(Number(text.trim()), MAX_PROVIDER_WAIT_MS);
}
