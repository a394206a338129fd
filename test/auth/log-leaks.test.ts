import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/api-keys.js';
import { EMULATOR_CREDENTIALS } from '../../src/emulators/credentials.js';
import { RevealPageDocument } from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { post } from './helpers.js';

const API_KEY = 'sgw_live_leaktest_4f1c2a9e8b7d6c5f4e3a2b1c';

/**
 * Everything the gateway logs (at debug level) during a run that reveals values with known
 * contents, using known tokens and keys, including failures on the way: none of the values or
 * credentials may appear in any line.
 */
describe('no secret value or credential reaches the logs', () => {
  let stack: Stack;
  const revealed = new Set<string>();
  const credentials = new Map<string, string>();

  const remember = (what: string, value: string | null | undefined) => {
    if (value && value.length >= 8) credentials.set(value, what);
  };

  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        config.auth.apiKeys = [
          { id: 'leak-test', sha256: sha256Hex(API_KEY), scopes: ['secrets:read', 'secrets:reveal'] },
        ];
      },
    });
    const alibaba = EMULATOR_CREDENTIALS.alibaba;
    const huawei = EMULATOR_CREDENTIALS.huawei;
    remember('Alibaba AccessKey id', alibaba.accessKeyId);
    remember('Alibaba AccessKey secret', alibaba.accessKeySecret);
    remember('Huawei AK', huawei.ak);
    remember('Huawei SK', huawei.sk);
    remember('Huawei password', huawei.password);
    remember('the HS256 signing secret', stack.config.auth.jwt!.hs256Secret);
    remember('the API key', API_KEY);
  });
  afterAll(() => stack.close());

  it('a run that reveals values of every provider, by token and by API key, with failures on the way', async () => {
    const token = stack.token({ subject: 'leak-tester' });
    remember('a bearer token', token);
    remember('a bearer token signature', token.split('.')[2]);
    const collect = (nodes: Array<Record<string, any>>) => {
      for (const node of nodes) {
        for (const entry of node.data ?? []) revealed.add(entry.value);
        for (const value of Object.values(node.value ?? {}))
          if (typeof value === 'string' && value.length >= 8) revealed.add(value);
      }
    };

    for (const source of Object.values(SOURCE)) {
      const result = await stack.execute(
        RevealPageDocument,
        { first: 5, filter: { sources: [source] } },
        { authorization: `Bearer ${token}` },
      );
      expect(result.errors).toBeUndefined();
      collect(result.data!.secrets.nodes as never);
    }
    const byKey = await post(
      stack.server.url,
      {
        query:
          '{ secrets(first: 3, filter: { sources: ["kms-demo"] }) { nodes { ... on KmsSecret { value { secretData } } } } }',
      },
      { 'x-api-key': API_KEY },
    );
    expect(byKey.body?.errors).toBeUndefined();
    collect(byKey.body!.data.secrets.nodes);

    // Failures: a value read the provider refuses, a throttled one, a bad token, a bad key, a malformed body.
    stack.emulators.providers.kms.failNext('Rejected.Throttling', { operation: 'GetSecretValue' });
    stack.emulators.providers.sae.failNext('InvalidParameter.WithMessage', { operation: 'DescribeSecret' });
    for (const source of [SOURCE.kms, SOURCE.sae]) {
      const result = await stack.execute(
        RevealPageDocument,
        { first: 2, filter: { sources: [source] } },
        { authorization: `Bearer ${token}` },
      );
      collect(result.data?.secrets.nodes as never);
    }
    const tampered = `${token.slice(0, -4)}AAAA`;
    remember('a tampered token', tampered);
    expect(
      (await post(stack.server.url, { query: '{ sources { id } }' }, { authorization: `Bearer ${tampered}` })).status,
    ).toBe(401);
    const wrongKey = `${API_KEY}-wrong`;
    remember('a wrong API key', wrongKey);
    expect((await post(stack.server.url, { query: '{ sources { id } }' }, { 'x-api-key': wrongKey })).status).toBe(401);
    expect((await post(stack.server.url, '{"query": ', { authorization: `Bearer ${token}` })).status).toBeLessThan(500);

    expect(revealed.size).toBeGreaterThan(20);
    const audit = stack.logs.filter((line) => line.includes('"audit":true'));
    expect(audit.length).toBeGreaterThan(20);

    const leaks: string[] = [];
    stack.logs.forEach((line, i) => {
      for (const value of revealed) if (line.includes(value)) leaks.push(`log line ${i}: a revealed value`);
      for (const [value, what] of credentials) if (line.includes(value)) leaks.push(`log line ${i}: ${what}`);
      // SAE values are base64: their decoded contents must not show up either.
      if (/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./.test(line))
        leaks.push(`log line ${i}: something shaped like a JWT`);
      if (/MIIEmulator[A-Za-z0-9_-]{16,}/.test(line)) leaks.push(`log line ${i}: an emulator-issued IAM token`);
    });
    for (const value of revealed) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (decoded.length >= 12 && /^[\x20-\x7e\n]+$/.test(decoded)) {
        stack.logs.forEach((line, i) => {
          if (line.includes(decoded)) leaks.push(`log line ${i}: a decoded value`);
        });
      }
    }
    expect(leaks).toEqual([]);
    // The run did log: the check above looked at real output.
    expect(stack.logs.length).toBeGreaterThan(30);
  });
});
