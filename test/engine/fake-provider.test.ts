import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createGateway } from '../../src/server/app.js';
import { createCatalog } from '../../src/sources/catalog.js';
import { fakeVault, vault } from '../helpers/fake-provider.js';

/**
 * The engine built on one fake provider (test/helpers/fake-provider.ts) and nothing else: the
 * catalog is handed in, so no real provider, SDK or emulator is loaded (checked on the import graph).
 */

const KEY = 'engine-test-key-0123456789';
const catalog = createCatalog([fakeVault]);
const config = parseConfig(
  {
    sources: [{ id: 'vault-1', provider: 'fake-vault', region: 'lab-1', vaultName: 'team-a', cache: { ttlMs: 0 } }],
    auth: {
      apiKeys: [
        {
          id: 'engine-test',
          sha256: createHash('sha256').update(KEY).digest('hex'),
          scopes: ['secrets:read', 'secrets:reveal'],
        },
      ],
    },
  },
  catalog,
  {},
);
const gateway = createGateway(catalog, config, createLogger({ level: 'silent' }));

async function query(document: string, variables: Record<string, unknown> = {}) {
  const response = await gateway.yoga.fetch('http://gateway.local/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as { data?: any; errors?: any[] };
}

beforeEach(() => {
  vault.secrets = [
    { name: 'db-password', type: 'password', createdAt: new Date('2026-01-01'), updatedAt: null, labels: ['prod'] },
    { name: 'api-token', type: 'token', createdAt: null, updatedAt: new Date('2026-02-01'), labels: [] },
    { name: 'db-replica', type: 'password', createdAt: null, updatedAt: null, labels: ['prod', 'eu'] },
  ];
  vault.calls = [];
  vault.failNext = null;
});

describe('the engine with a fake one-file provider', () => {
  it('loads no real provider: the test’s import graph holds no file of src/providers/', async () => {
    const here = fileURLToPath(import.meta.url);
    const result = await cruise([here], {
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      exclude: { path: 'node_modules' },
    });
    const modules = (result.output as { modules: Array<{ source: string }> }).modules.map((m) => m.source);
    expect(modules.some((m) => m.endsWith('src/server/app.ts'))).toBe(true);
    expect(modules.filter((m) => m.includes('src/providers/') || m.includes('src/emulators/'))).toEqual([]);
  });

  it('serves the fake provider’s secrets through the connection, with its own enum value and type', async () => {
    const { data, errors } = await query(`{
      secrets(first: 10) {
        totalCount
        nodes { __typename name provider sourceId namespaceId ... on VaultSecret { labels } }
      }
      providers: __type(name: "Provider") { enumValues { name } }
      namespaces { namespaceId kind provider }
    }`);
    expect(errors).toBeUndefined();
    expect(data.secrets.totalCount).toBe(3);
    expect(data.secrets.nodes.map((n: any) => n.name)).toEqual(['db-password', 'api-token', 'db-replica']);
    expect(data.secrets.nodes[2]).toEqual({
      __typename: 'VaultSecret',
      name: 'db-replica',
      provider: 'FAKE_VAULT',
      sourceId: 'vault-1',
      namespaceId: 'team-a',
      labels: ['prod', 'eu'],
    });
    expect(data.providers.enumValues.map((v: any) => v.name)).toEqual(['FAKE_VAULT']);
    expect(data.namespaces).toEqual([{ namespaceId: 'team-a', kind: 'PROJECT', provider: 'FAKE_VAULT' }]);
    expect(vault.calls).toEqual(['ListVaultSecrets']);
  });

  it('filters with the provider’s facets, and finds a secret by its global ID', async () => {
    const { data, errors } = await query(`{
      tagged: secrets(first: 10, filter: { providers: [FAKE_VAULT], tags: [{ key: "eu" }] }) { nodes { name id } }
      named: secrets(first: 10, filter: { nameContains: "DB" }) { nodes { name } }
    }`);
    expect(errors).toBeUndefined();
    expect(data.tagged.nodes.map((n: any) => n.name)).toEqual(['db-replica']);
    expect(data.named.nodes.map((n: any) => n.name)).toEqual(['db-password', 'db-replica']);
    const { data: byId } = await query('query ($id: ID!) { node(id: $id) { ... on VaultSecret { name labels } } }', {
      id: data.tagged.nodes[0].id,
    });
    expect(byId.node).toEqual({ name: 'db-replica', labels: ['prod', 'eu'] });
  });

  it('reveals a value through the upstream path, once per secret', async () => {
    const { data, errors } = await query(
      '{ secrets(first: 1) { nodes { ... on VaultSecret { plaintext again: plaintext } } } }',
    );
    expect(errors).toBeUndefined();
    expect(data.secrets.nodes[0]).toEqual({ plaintext: 'plain:db-password', again: 'plain:db-password' });
    expect(vault.calls).toEqual(['ListVaultSecrets', 'ReadVaultSecret']);
  });

  it('maps the provider’s own error codes, and names it as the schema spells it', async () => {
    vault.failNext = { code: 'Vault.Throttled', status: 429 };
    const { data, errors } = await query('{ secrets(first: 5) { nodes { name } interruption { source code } } }');
    expect(data.secrets.interruption).toEqual({ source: 'vault-1', code: 'UPSTREAM_THROTTLED' });
    expect(errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_THROTTLED',
      provider: 'FAKE_VAULT',
      providerCode: 'Vault.Throttled',
      source: 'vault-1',
      operation: 'ListVaultSecrets',
      retryable: true,
    });
  });

  it('refuses a configuration naming a provider outside the catalog', () => {
    expect(() =>
      parseConfig(
        { sources: [{ id: 'kms', provider: 'alibaba-kms', region: 'cn-hangzhou' }], auth: config.auth },
        catalog,
        {},
      ),
    ).toThrow(/sources\[0\]/);
  });
});
