import { createHash } from 'node:crypto';
import type { Scope } from './config.js';

/**
 * What one caller may see and do, from its verified token or API key. Every path to a source or
 * namespace asks the grant first, so that what lies outside it is never called upstream and looks
 * exactly like something that does not exist.
 */
export interface Grant {
  /** JWT `sub`, or "api-key:<id>". */
  subject: string;
  method: 'jwt' | 'api-key';
  scopes: ReadonlySet<Scope>;
  sources: ReadonlySet<string> | 'all';
  /** "sourceId/namespaceId" or "sourceId/*". */
  namespaces: ReadonlySet<string> | 'all';
  /** Stable digest of what the grant can see: binds cursors and partitions cached metadata. */
  digest: string;
}

export interface GrantInput {
  subject: string;
  method: Grant['method'];
  scopes: Iterable<Scope>;
  /** Absent, or containing "*": every source. */
  sources?: readonly string[] | null;
  /** Absent: every namespace of the granted sources. */
  namespaces?: readonly string[] | null;
}

export function createGrant(input: GrantInput): Grant {
  const sources = !input.sources || input.sources.includes('*') ? 'all' : new Set(input.sources);
  const namespaces = !input.namespaces ? 'all' : new Set(input.namespaces);
  const view = {
    s: sources === 'all' ? '*' : [...sources].sort(),
    n: namespaces === 'all' ? '*' : [...namespaces].sort(),
  };
  return {
    subject: input.subject,
    method: input.method,
    scopes: new Set(input.scopes),
    sources,
    namespaces,
    digest: createHash('sha256').update(JSON.stringify(view)).digest('base64url').slice(0, 16),
  };
}

export function allowsSource(grant: Grant, sourceId: string): boolean {
  if (grant.sources !== 'all' && !grant.sources.has(sourceId)) return false;
  if (grant.namespaces === 'all') return true;
  const prefix = `${sourceId}/`;
  for (const ref of grant.namespaces) if (ref.startsWith(prefix)) return true;
  return false;
}

export function allowsNamespace(grant: Grant, sourceId: string, namespaceId: string): boolean {
  if (!allowsSource(grant, sourceId)) return false;
  return (
    grant.namespaces === 'all' ||
    grant.namespaces.has(`${sourceId}/${namespaceId}`) ||
    grant.namespaces.has(`${sourceId}/*`)
  );
}

/** Who called, as the rest of the request sees it. */
export interface Caller {
  grant: Grant;
  /** The peer address of the connection (no proxy header is trusted for it). */
  ip: string | null;
  /** X-Forwarded-For as sent, for the audit log only. */
  forwardedFor: string | null;
  /** Until when (epoch ms) the credential is accepted (a token's expiry); null when it does not expire (API keys). */
  validUntil: number | null;
}
