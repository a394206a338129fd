import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from './config.js';
import { createGrant, type Grant } from './grant.js';

/** Static keys for service clients. Only their SHA-256 is configured; a presented key is hashed and compared in constant time. */
export class ApiKeys {
  private readonly entries: Array<{ hash: Buffer; grant: Grant }>;

  constructor(keys: readonly ApiKeyConfig[]) {
    this.entries = keys.map((key) => ({
      hash: Buffer.from(key.sha256.toLowerCase(), 'hex'),
      grant: createGrant({
        subject: `api-key:${key.id}`,
        method: 'api-key',
        scopes: key.scopes,
        sources: key.sources,
        namespaces: key.namespaces,
      }),
    }));
  }

  /** The grant of the key, or null. Every configured hash is compared, so timing tells nothing about which came close. */
  match(presented: string): Grant | null {
    if (presented.length === 0 || presented.length > 512) return null;
    // One-shot; 'buffer' returns a Buffer, which @types/node 20 does not know.
    const presentedHash = hash('sha256', presented, 'buffer') as unknown as Buffer;
    let found: Grant | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, presentedHash) && found === null) found = entry.grant;
    }
    return found;
  }
}

export function sha256Hex(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
