import { createHash } from 'node:crypto';
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin } from 'graphql-yoga';
import { cachePolicyOf, type GatewayConfig } from '../config.js';

/** Fields that reveal secret values: a response holding one is never cached. */
const VALUE_FIELDS = ['SaeSecret.data', 'ApigSecret.value', 'KmsSecret.value', 'CsmsSecret.value'];

/**
 * Whole responses of metadata queries, cached for the shortest TTL of the sources (off when any
 * source's cache is off), per credential: a response is only ever served to a request presenting
 * the same token or key, which authentication has already verified. Responses with errors (a source
 * failed) and responses with values are not cached.
 */
export function responseCachePlugins(config: GatewayConfig): Plugin[] {
  const ttl = Math.min(...config.sources.map((source) => cachePolicyOf(source).ttlMs));
  if (!(ttl > 0)) return [];
  return [
    useResponseCache({
      ttl,
      session: (request) => {
        const credential = request.headers.get('authorization') ?? request.headers.get('x-api-key');
        return credential ? createHash('sha256').update(credential).digest('base64url') : null;
      },
      ttlPerSchemaCoordinate: Object.fromEntries(VALUE_FIELDS.map((field) => [field, 0])),
      shouldCacheResult: ({ result }) => !result.errors?.length,
      invalidateViaMutation: false,
      includeExtensionMetadata: false,
    }) as Plugin,
  ];
}
