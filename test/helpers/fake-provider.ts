import { z } from 'zod';
import { soleNamespace, type SecretRecord, type SecretValue } from '../../src/domain/records.js';
import { unpagedPaging } from '../../src/pagination/paging/unpaged.js';
import { REVEAL, revealOf, secretNode, type SchemaProvider } from '../../src/schema/secret-node.js';
import { sourceFields } from '../../src/sources/source-config.js';
import type { SecretSource } from '../../src/sources/types.js';
import type { UpstreamCaller } from '../../src/upstream/call.js';

/**
 * A whole provider in one file, as the engine sees one: no SDK, no emulator, its secrets in memory.
 * It proves that the engine (config, registry, upstream path, paging, loaders, schema, server)
 * needs nothing of the real providers: test/engine/fake-provider.test.ts builds a gateway on it alone.
 */

export interface VaultSecret extends SecretRecord {
  provider: 'fake-vault';
  labels: string[];
}

interface VaultValue extends SecretValue {
  provider: 'fake-vault';
  plaintext: string;
}

/** What a test controls: the secrets, the next failure, and the calls the vault saw. */
export const vault = {
  secrets: [] as Array<Omit<VaultSecret, 'provider' | 'sourceId' | 'namespaceId' | 'key'>>,
  calls: [] as string[],
  failNext: null as { code: string; status: number } | null,
};

function answer<T>(operation: string, value: () => T): Promise<T> {
  vault.calls.push(operation);
  const failure = vault.failNext;
  vault.failNext = null;
  if (failure) return Promise.reject(Object.assign(new Error(`vault says ${failure.code}`), failure));
  return Promise.resolve(value());
}

const vaultConfig = z.object({ ...sourceFields, provider: z.literal('fake-vault'), vaultName: z.string() });

function createVaultSource(
  config: z.infer<typeof vaultConfig>,
  _endpoint: string,
  caller: UpstreamCaller,
): SecretSource {
  const records = (): VaultSecret[] =>
    vault.secrets.map((s) => ({
      ...s,
      provider: 'fake-vault',
      sourceId: config.id,
      namespaceId: config.vaultName,
      key: s.name,
    }));
  return {
    id: config.id,
    provider: 'fake-vault',
    region: config.region,
    paging: unpagedPaging({
      fetchAll: (_namespace, _query, scope) =>
        caller.call('ListVaultSecrets', () => answer('ListVaultSecrets', records), scope),
    }),
    lookup: { kind: 'via-list' },
    keyIsName: true,
    filterableFields: ['nameContains', 'names', 'types', 'tags'],
    listNamespaces: async () => soleNamespace(config.id, 'fake-vault', 'PROJECT', config.vaultName, config.region),
    pushdown: () => ({ query: {}, complete: false }),
    reveal: (_namespace, wanted, scope) =>
      caller.call(
        'ReadVaultSecret',
        () =>
          answer('ReadVaultSecret', () =>
            wanted.map((r): VaultValue => ({ provider: 'fake-vault', plaintext: `plain:${r.name}` })),
          ),
        scope,
      ),
  };
}

export const fakeVault = {
  id: 'fake-vault',
  name: 'FAKE_VAULT',
  description: 'An in-memory vault, for the engine tests',
  typename: 'VaultSecret',
  namespaceKind: 'PROJECT',
  config: vaultConfig,
  defaults: {
    maxConcurrency: 4,
    timeoutMs: 1000,
    rateLimit: { perSecond: 1000, burst: 1000 },
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    circuitBreaker: { failureThreshold: 100, halfOpenAfterMs: 1000 },
  },
  publicEndpoint: (region: string) => `https://vault.${region}.invalid`,
  errorCodes: { 'Vault.Throttled': 'UPSTREAM_THROTTLED', 'Vault.Denied': 'UPSTREAM_FORBIDDEN' },
  readError: (error: unknown) => {
    const { code, status } = error as { code?: string; status?: number };
    return { providerCode: code ?? null, httpStatus: status ?? null };
  },
  create: createVaultSource as SchemaProvider['create'],
  facets: (record: SecretRecord) => ({ tags: (record as VaultSecret).labels.map((key) => ({ key, value: '' })) }),
  defineSchema: () =>
    secretNode<VaultSecret>('VaultSecret', 'fake-vault', {
      description: 'A secret of the in-memory vault.',
      fields: (t) => ({
        labels: t.stringList({ resolve: (r) => r.labels }),
        plaintext: t.string({
          ...REVEAL,
          resolve: async (r, _args, ctx) => (await revealOf<VaultValue>(ctx, r))?.plaintext ?? null,
        }),
      }),
    }) as unknown as ReturnType<SchemaProvider['defineSchema']>,
} satisfies SchemaProvider;
