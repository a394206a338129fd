import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';

/**
 * Opaque, versioned cursors bound to the connection they came from. A cursor is
 * base64url(JSON payload) + "." + MAC, so a malformed, tampered or foreign one is rejected; the
 * edges of a run of consecutive positions share one signed payload and add their offset (`encodeRun`).
 */

const VERSION = 2;

export interface CursorPayload {
  /** Segment (source/namespace) the position belongs to. */
  s: string;
  /**
   * Position inside the segment: an index or a provider marker; null for one of its ends (`z`).
   * A key of one element (`["source"]`) names a whole source whose namespaces were not listed.
   */
  p: number | string | null;
  /** With `p: null`: 0 is just before the segment's first item, 1 just after its last. */
  z?: 0 | 1;
  /** The segment's total when the cursor was made, so the next page can plan without asking. */
  h?: number;
}

export type CursorProblem = 'MALFORMED_CURSOR' | 'TAMPERED_CURSOR' | 'FOREIGN_CURSOR';

export function cursorError(reason: CursorProblem, argument: string): GraphQLError {
  const text: Record<CursorProblem, string> = {
    MALFORMED_CURSOR: `"${argument}" is not a cursor this gateway issued`,
    TAMPERED_CURSOR: `"${argument}" has been altered`,
    FOREIGN_CURSOR: `"${argument}" belongs to another connection or other arguments; start from the first page`,
  };
  return new GraphQLError(text[reason], { extensions: { code: 'BAD_USER_INPUT', reason, argument } });
}

/** Stable digest of what a cursor must be used with: the connection and its filter. */
export function bindingOf(value: unknown): string {
  return hash('sha256', stableStringify(value), 'base64url').slice(0, 12);
}

/**
 * JSON with keys sorted and unset (null, undefined) fields left out, dates as their ISO strings: the
 * same text for values that ask the same, whatever their key order. Cursor bindings and the
 * inventory's memo of counts are keyed on it.
 */
export function stableStringify(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export class CursorCodec {
  /**
   * Cursors are written as every earlier release wrote them, so that its replicas read them: for a
   * rolling upgrade (`compatibleCursors` in the configuration). Pagers read it too (SAE's positions).
   */
  readonly compatible: boolean;
  private readonly macKey: string;
  private readonly inner: string;
  private readonly outer: string;
  /** The start of every payload of one segment, serialized and encoded once per page instead of once per edge. */
  private readonly prefixes = new Map<string, string>();

  constructor(secret?: string, options: { compatible?: boolean } = {}) {
    this.compatible = options.compatible ?? false;
    const key = secret ? Buffer.from(secret) : randomBytes(32);
    this.macKey = createHmac('sha256', key).update('cursor-mac').digest('base64url');
    this.inner = createHmac('sha256', key).update('cursor-mac-inner').digest('base64url');
    this.outer = createHmac('sha256', key).update('cursor-mac-outer').digest('base64url');
  }

  /**
   * A page of 100 edges signs 100 cursors, so the MAC is one hash: SHA-256 of a derived key and the
   * body, cut to 132 bits. The 124 bits cut off are what a length-extension forgery would need (as
   * with SHA-512/256); HMAC's second pass guards against nothing more here, and cost 6–9% of an index
   * page's CPU (BENCHMARKS.md).
   */
  private sign(body: string): string {
    return hash('sha256', this.macKey + body, 'base64url').slice(0, 22);
  }

  /** The MAC cursors carried before (HMAC's two nested passes), still accepted: a walk begun on an older replica goes on here. */
  private signedBefore(body: string): string {
    return hash('sha256', this.outer + hash('sha256', this.inner + body, 'base64url'), 'base64url').slice(0, 22);
  }

  /** The payload's start for one segment, as base64 (see `body`); as JSON when compatible, encoded whole with the rest. */
  private prefixOf(binding: string, segment: string): string {
    const prefixKey = `${binding}\n${segment}`;
    let prefix = this.prefixes.get(prefixKey);
    if (prefix === undefined) {
      const json = `{"v":${VERSION},"b":${JSON.stringify(binding)},"s":${JSON.stringify(segment)},"p":`;
      // Spaces (JSON's whitespace) up to whole base64 groups of 3 bytes: the body is then the prefix's
      // base64 followed by that of the cursor's own part, and only that part is encoded per edge.
      prefix = this.compatible
        ? json
        : Buffer.from(json + ' '.repeat((3 - (Buffer.byteLength(json) % 3)) % 3)).toString('base64url');
      // Bindings differ per filter and grant: keep the memo small.
      if (this.prefixes.size >= 1000) this.prefixes.clear();
      this.prefixes.set(prefixKey, prefix);
    }
    return prefix;
  }

  /** A cursor's body: its segment's prefix, then its own part (position, run length, hint, end). */
  private body(prefix: string, payload: Omit<CursorPayload, 's'>, runLength?: number): string {
    const own = `${JSON.stringify(payload.p)}${runLength === undefined ? '' : `,"n":${runLength}`}${payload.h === undefined ? '' : `,"h":${payload.h}`}${payload.z === undefined ? '' : `,"z":${payload.z}`}}`;
    if (this.compatible) return Buffer.from(prefix + own).toString('base64url');
    return prefix + Buffer.from(own).toString('base64url');
  }

  private signed(body: string): string {
    return `${body}.${this.compatible ? this.signedBefore(body) : this.sign(body)}`;
  }

  /** `encode` of many positions of one segment (a page's edges), with the segment's prefix found once. */
  encoderFor(binding: string, segment: string): (position: number | string) => string {
    const prefix = this.prefixOf(binding, segment);
    return (position) => this.signed(this.body(prefix, { p: position }));
  }

  encode(binding: string, payload: CursorPayload): string {
    return this.signed(this.body(this.prefixOf(binding, payload.s), payload));
  }

  /**
   * Cursors of a run of `length` consecutive index positions of one segment, signed once: the
   * cursor at `offset` is `<run>.<offset>` and stands for position `p + offset`. Any offset inside
   * the run names a position this page returned, so the offset needs no signature of its own.
   */
  encodeRun(
    binding: string,
    payload: Omit<CursorPayload, 'z'> & { p: number },
    length: number,
  ): (offset: number) => string {
    const signed = this.signed(this.body(this.prefixOf(binding, payload.s), payload, length));
    return (offset) => `${signed}.${offset}`;
  }

  decode(cursor: string, binding: string, argument: string): CursorPayload {
    const [body, mac, offsetText, extra] = cursor.split('.');
    if (
      !body ||
      !mac ||
      extra !== undefined ||
      cursor.length > 2048 ||
      (offsetText !== undefined && !/^\d{1,3}$/.test(offsetText))
    ) {
      throw cursorError('MALFORMED_CURSOR', argument);
    }
    if (!sameMac(this.sign(body), mac) && !sameMac(this.signedBefore(body), mac)) {
      throw cursorError(
        /^[A-Za-z0-9_-]+$/.test(body) && /^[A-Za-z0-9_-]{22}$/.test(mac) ? 'TAMPERED_CURSOR' : 'MALFORMED_CURSOR',
        argument,
      );
    }
    let parsed: { v?: unknown; b?: unknown; s?: unknown; p?: unknown; h?: unknown; n?: unknown; z?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw cursorError('MALFORMED_CURSOR', argument);
    }
    const end = parsed.p === null && (parsed.z === 0 || parsed.z === 1);
    if (
      parsed.v !== VERSION ||
      typeof parsed.s !== 'string' ||
      !(typeof parsed.p === 'number' || typeof parsed.p === 'string' || end)
    ) {
      throw cursorError('MALFORMED_CURSOR', argument);
    }
    if (parsed.b !== binding) throw cursorError('FOREIGN_CURSOR', argument);
    if (end) {
      if (parsed.n !== undefined || offsetText !== undefined) throw cursorError('MALFORMED_CURSOR', argument);
      return { s: parsed.s, p: null, z: parsed.z as 0 | 1 };
    }
    let position = parsed.p as number | string;
    if (parsed.n !== undefined || offsetText !== undefined) {
      // A run's cursor: the signed run plus an offset inside it.
      if (offsetText === undefined || typeof position !== 'number' || !Number.isSafeInteger(parsed.n))
        throw cursorError('MALFORMED_CURSOR', argument);
      if (Number(offsetText) >= (parsed.n as number)) throw cursorError('TAMPERED_CURSOR', argument);
      position += Number(offsetText);
    }
    const hint = Number.isSafeInteger(parsed.h) && (parsed.h as number) >= 0 ? (parsed.h as number) : undefined;
    return hint === undefined ? { s: parsed.s, p: position } : { s: parsed.s, p: position, h: hint };
  }
}

function sameMac(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
