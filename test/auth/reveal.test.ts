import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RevealPageDocument, RevealTwiceDocument, type RevealPageQuery } from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

type Node = RevealPageQuery['secrets']['nodes'][number];

const VALUE_CALLS = {
  sae: 'DescribeSecret',
  apig: 'GetSecretValue',
  kms: 'GetSecretValue',
  csms: 'ShowSecretVersion',
} as const;
const PAGE = 4;

interface AuditLine {
  audit: true;
  event: string;
  outcome: string;
  subject: string;
  method: string;
  secret: string;
  provider: string;
  source: string;
  namespace: string;
  name: string;
  at: string;
  ip: string | null;
  requestId: string;
  code?: string;
}

describe('revealing secret values', () => {
  let stack: Stack;
  let reveal: Record<string, string>;
  let readOnly: Record<string, string>;
  let logsFrom = 0;

  const auditLines = (): AuditLine[] =>
    stack.logs
      .slice(logsFrom)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter(
        (entry): entry is AuditLine & Record<string, unknown> =>
          entry.audit === true && entry.event === 'secret.reveal',
      );
  const valueCalls = () =>
    (Object.keys(VALUE_CALLS) as Array<keyof typeof VALUE_CALLS>).reduce(
      (n, p) => n + stack.calls(p, VALUE_CALLS[p]),
      0,
    );

  /** What each provider's emulator holds as the current value of a secret the gateway returned. */
  function expectSeedValue(node: Node): void {
    const { data } = stack.emulators;
    switch (node.__typename) {
      case 'SaeSecret': {
        const seed = data.sae.secrets.find((s) => String(s.SecretId) === node.secretId)!;
        expect(node.data).toEqual(
          Object.keys(seed.SecretData)
            .sort()
            .map((key) => ({ key, value: seed.SecretData[key] })),
        );
        return;
      }
      case 'ApigSecret':
        expect(node.value).toEqual({ secretData: data.apig.values[node.name] });
        return;
      case 'KmsSecret': {
        const seed = data.kms.secrets.find((s) => s.SecretName === node.name)!;
        const current = seed.Versions.find((v) => v.VersionStages.includes('ACSCurrent'))!;
        expect(node.value).toMatchObject({
          secretData: current.SecretData,
          secretDataType: current.SecretDataType,
          versionId: current.VersionId,
          versionStages: current.VersionStages,
        });
        return;
      }
      case 'CsmsSecret': {
        const seed = data.csms.secrets.find((s) => s.name === node.name)!;
        const latest = seed.versions[seed.versions.length - 1];
        expect(node.value).toMatchObject({
          secretString: latest.secretString,
          versionId: latest.id,
          versionStages: latest.versionStages,
          secretBinary: null,
        });
        return;
      }
    }
  }

  beforeAll(async () => {
    stack = await startStack();
    reveal = {
      authorization: `Bearer ${stack.token({ subject: 'ops-oncall', scopes: ['secrets:read', 'secrets:reveal'] })}`,
    };
    readOnly = { authorization: `Bearer ${stack.token({ subject: 'portal-viewer', scopes: ['secrets:read'] })}` };
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.resetCounters();
    logsFrom = stack.logs.length;
  });

  for (const provider of ['sae', 'apig', 'kms', 'csms'] as const) {
    it(`${provider}: the reveal scope gets the values the provider holds, one call and one audit line per secret, never the value in the log`, async () => {
      const result = expectData(
        await stack.execute(RevealPageDocument, { first: PAGE, filter: { sources: [SOURCE[provider]] } }, reveal),
      );
      expect(result.secrets.nodes).toHaveLength(PAGE);
      for (const node of result.secrets.nodes) expectSeedValue(node);
      expect(stack.calls(provider, VALUE_CALLS[provider])).toBe(PAGE);

      const lines = auditLines();
      expect(lines).toHaveLength(PAGE);
      expect(lines.map((l) => l.secret).sort()).toEqual(result.secrets.nodes.map((n) => n.id).sort());
      const requestIds = new Set(lines.map((l) => l.requestId));
      expect(requestIds.size).toBe(1);
      // One requestId per line, as written (JSON.parse would hide a repeated key).
      const revealLines = stack.logs.slice(logsFrom).filter((line) => line.includes('"secret.reveal"'));
      for (const line of revealLines) expect(line.match(/"requestId":/g)).toHaveLength(1);
      for (const line of lines) {
        expect(line).toMatchObject({
          outcome: 'revealed',
          subject: 'ops-oncall',
          method: 'jwt',
          provider: result.secrets.nodes[0].provider.toLowerCase().replace('_', '-'),
          source: SOURCE[provider],
        });
        expect(line.ip).toMatch(/127\.0\.0\.1/);
        expect(Math.abs(Date.parse(line.at) - Date.now())).toBeLessThan(60_000);
      }
      // No value, or any part of one, in any line written during the request.
      const written = stack.logs.slice(logsFrom).join('\n');
      for (const node of result.secrets.nodes) {
        const values = [
          node.__typename === 'SaeSecret' ? node.data?.map((d) => d.value) : null,
          'value' in node && node.value ? Object.values(node.value) : null,
        ]
          .flat()
          .filter((v): v is string => typeof v === 'string' && v.length >= 8);
        for (const value of values) expect(written).not.toContain(value);
      }
    });
  }

  it('without the reveal scope: the metadata, a FORBIDDEN error on every value field, no value call and no audit line', async () => {
    const result = await stack.execute(RevealPageDocument, { first: 3 }, readOnly);
    expect(result.status).toBe(200);
    const nodes = result.data!.secrets.nodes;
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.name).toBeTruthy();
      expect(node.__typename === 'SaeSecret' ? node.data : 'value' in node ? node.value : 'none').toBeNull();
    }
    expect(result.errors).toHaveLength(3);
    for (const error of result.errors!) {
      expect(error.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScopes: ['secrets:reveal'] });
      expect(error.message).toMatch(/secrets:reveal/);
      expect(error.path?.slice(0, 2)).toEqual(['secrets', 'nodes']);
    }
    expect(valueCalls()).toBe(0);
    expect(stack.calls('sae', 'DescribeSecret')).toBe(0);
    expect(auditLines()).toHaveLength(0);
  });

  for (const provider of ['apig', 'kms', 'csms'] as const) {
    it(`${provider}: without the reveal scope no value call is made even for a whole page`, async () => {
      const result = await stack.execute(
        RevealPageDocument,
        { first: 50, filter: { sources: [SOURCE[provider]] } },
        readOnly,
      );
      expect(result.data!.secrets.nodes).toHaveLength(50);
      expect(result.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
      expect(stack.calls(provider, VALUE_CALLS[provider])).toBe(0);
    });
  }

  it('the same secret asked twice in one request: one call and one audit line; asked again in the next request: read again (values are not cached)', async () => {
    const page = expectData(await stack.execute(RevealPageDocument, { first: 1, filter: { sources: [SOURCE.kms] } }));
    stack.resetCounters();
    logsFrom = stack.logs.length;
    const id = page.secrets.nodes[0].id;
    const twice = expectData(await stack.execute(RevealTwiceDocument, { id }, reveal));
    expect(twice.a).toEqual(twice.b);
    expect(stack.calls('kms', 'GetSecretValue')).toBe(1);
    expect(auditLines()).toHaveLength(1);
    expectData(await stack.execute(RevealTwiceDocument, { id }, reveal));
    expect(stack.calls('kms', 'GetSecretValue')).toBe(2);
    expect(auditLines()).toHaveLength(2);
  });

  it("a value read that fails is that field's typed error, audited as failed, and the other values stand", async () => {
    stack.emulators.providers.kms.failNext('Forbidden.NoPermission', { operation: 'GetSecretValue' });
    const result = await stack.execute(RevealPageDocument, { first: 3, filter: { sources: [SOURCE.kms] } }, reveal);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toMatchObject({
      code: 'UPSTREAM_FORBIDDEN',
      provider: 'ALIBABA_KMS',
      operation: 'GetSecretValue',
    });
    const nodes = result.data!.secrets.nodes;
    expect(nodes.filter((n) => 'value' in n && n.value !== null)).toHaveLength(2);
    const lines = auditLines();
    expect(lines.map((l) => l.outcome).sort()).toEqual(['failed', 'revealed', 'revealed']);
    expect(lines.find((l) => l.outcome === 'failed')?.code).toBe('UPSTREAM_FORBIDDEN');
  });

  it('an API key with the reveal scope is audited under its own subject', async () => {
    const { sha256Hex } = await import('../../src/auth/api-keys.js');
    const { gatewayOn, post } = await import('./helpers.js');
    const key = 'sgw_reveal_key_for_the_audit_test_0001';
    const other = await gatewayOn(stack, (config) => {
      config.auth.apiKeys = [
        {
          id: 'rotation-job',
          sha256: sha256Hex(key),
          scopes: ['secrets:read', 'secrets:reveal'],
          sources: [SOURCE.csms],
        },
      ];
    });
    try {
      const response = await post(
        other.url,
        { query: '{ secrets(first: 2) { nodes { id ... on CsmsSecret { value { versionId } } } } }' },
        { 'x-api-key': key, 'x-forwarded-for': '203.0.113.9' },
      );
      expect(response.body?.errors).toBeUndefined();
      const lines = other.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.audit === true && l.event === 'secret.reveal');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({
        subject: 'api-key:rotation-job',
        method: 'api-key',
        source: SOURCE.csms,
        forwardedFor: '203.0.113.9',
      });
      expect(other.logs.join('\n')).not.toContain(key);
    } finally {
      await other.close();
    }
  });
});
