import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import {
  NO_FAULTS,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../../src/emulators/core.js';
import { EMULATOR_CREDENTIALS } from '../../src/emulators/credentials.js';
import {
  CoverageNodeDocument,
  CoverageProviderSlicesDocument,
  CsmsDetailsDocument,
  KmsDetailsDocument,
  NamespacesDocument,
  NodesByIdDocument,
  ProviderFieldsDocument,
  SaeSecretsWithAppsDocument,
  SaeSecretsWithDataKeysDocument,
  SecretsPageDocument,
} from '../generated/graphql.js';
import { startStack, type Stack } from '../helpers/stack.js';
import type { ProvidersConfig } from '../../src/providers/index.js';

/**
 * Nothing secret leaves the gateway: no response body and no log line may carry the Alibaba or
 * Huawei credentials (right or wrong ones), an IAM token, a request signature, the string
 * "Signature=", or any secret value the emulators hold. Failing and succeeding queries alike.
 *
 * The emulators do not list the tokens and signatures they saw, so each one is wrapped (its
 * `handle`, still behind real HTTP) to collect the X-Subject-Token it issues, the X-Auth-Token,
 * the Authorization signatures and RPC Signature parameters it receives.
 */

const WRONG = {
  alibabaSecret: 'wrong-alibaba-secret-value-7f3a',
  huaweiSk: 'wrong-huawei-sk-value-91c2',
  huaweiPassword: 'wrong-huawei-password-5d0e',
  huaweiToken: 'MIIforgedTokenValueThatIamNeverIssued0001',
};

/**
 * Forced errors here are persistent (retries would absorb a single one); retries are fast and
 * the circuit breaker out of reach, so that one test's failures do not change the next test's.
 */
function isolatePolicies(config: ProvidersConfig): void {
  for (const source of config.sources) {
    source.retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
    source.circuitBreaker = { failureThreshold: 1000, halfOpenAfterMs: 100 };
  }
}

/** Credentials, issued tokens, signatures and secret values: none may appear anywhere. */
const forbidden = new Map<string, string>();

function forbid(what: string, value: string | undefined | null): void {
  // The first description wins: a token is "issued" before it is "sent back".
  if (value && value.length >= 8 && !forbidden.has(value)) forbidden.set(value, what);
}

/** Every operation any observed emulator answered in this file (the counters are reset per test). */
const operationsSeen = new Set<string>();

/** Collects tokens and signatures as the emulator sees them; the wrapped provider still answers itself. */
function observe(provider: ProviderEmulator, name: string): void {
  const handle = provider.handle.bind(provider);
  provider.handle = async (req: EmulatorRequest, operation: string): Promise<EmulatorResponse> => {
    operationsSeen.add(`${name}.${operation}`);
    const authorization = req.headers.authorization;
    const auth = Array.isArray(authorization) ? authorization[0] : authorization;
    if (auth) {
      forbid(`${name} Authorization header`, auth);
      const acs = /^acs [^:\s]+:(\S+)$/.exec(auth.trim());
      if (acs) forbid(`${name} ROA signature`, acs[1]);
      const hw = /Signature=([0-9a-fA-F]+)/.exec(auth);
      if (hw) forbid(`${name} AK/SK signature`, hw[1]);
    }
    const rpcSignature = req.query.get('Signature') ?? new URLSearchParams(req.body).get('Signature');
    if (rpcSignature) forbid(`${name} RPC signature`, rpcSignature);
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') forbid(`${name} X-Auth-Token`, token);
    const response = await handle(req, operation);
    const issued = response.headers?.['X-Subject-Token'];
    if (issued) forbid(`${name} issued IAM token`, issued);
    return response;
  };
}

/**
 * Every SAE SecretData value, base64 and decoded, except `database` and `port`: those are plain
 * words and numbers ("orders", "3306") that secret names and base64url IDs contain by chance.
 */
function forbidSeedValues(stack: Stack): void {
  for (const secret of stack.emulators.data.sae.secrets) {
    for (const [key, value] of Object.entries(secret.SecretData)) {
      if (key === 'database' || key === 'port') continue;
      forbid(`SAE SecretData ${key} (base64)`, value);
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (decoded.length >= 12) forbid(`SAE SecretData ${key} (decoded)`, decoded);
      if (key === '.dockerconfigjson') {
        const auths = (JSON.parse(decoded) as { auths: Record<string, { password: string; auth: string }> }).auths;
        for (const entry of Object.values(auths)) {
          forbid('SAE registry password', entry.password);
          forbid('SAE registry auth', entry.auth);
        }
      }
      if (key === 'password' || key === 'token' || key === 'client-secret' || key === 'api-key')
        forbid(`SAE SecretData ${key} (decoded)`, decoded);
    }
  }
  for (const secret of stack.emulators.data.kms.secrets)
    for (const version of secret.Versions)
      if (version.SecretData.length >= 12) forbid('KMS secret value', version.SecretData);
  for (const secret of stack.emulators.data.csms.secrets)
    for (const version of secret.versions)
      if (version.secretString.length >= 12) forbid('CSMS secret value', version.secretString);
}

interface Leak {
  where: string;
  what: string;
}

/** Every forbidden value, the literal "Signature=" and anything shaped like an emulator IAM token. */
function leaksIn(where: string, text: string): Leak[] {
  const leaks: Leak[] = [];
  for (const [value, what] of forbidden) if (text.includes(value)) leaks.push({ where, what });
  if (text.includes('Signature=')) leaks.push({ where, what: 'the string "Signature="' });
  if (/MIIEmulator[A-Za-z0-9_-]{16,}/.test(text)) leaks.push({ where, what: 'an emulator-issued IAM token' });
  return leaks;
}

let stack: Stack;
/** Every response body and header block received in this file, for the final sweep. */
const seen: Array<{ where: string; text: string }> = [];

/** The credential the stack's own `execute` sends, when the gateway requires one. */
function authHeadersOf(target: Stack): Record<string, string> {
  return (target as Partial<{ authHeaders: Record<string, string> }>).authHeaders ?? {};
}

/** The gateway's own client credentials (the bearer token and the key that signs it) are secrets too. */
function forbidGatewayCredentials(target: Stack): void {
  const bearer = authHeadersOf(target).authorization?.replace(/^Bearer\s+/i, '');
  forbid('gateway bearer token', bearer);
  const auth = (target.config as { auth?: { jwt?: { hs256Secret?: string } } }).auth;
  forbid('gateway JWT HS256 key', auth?.jwt?.hs256Secret);
}

/** Like stack.execute, but keeps the raw response text (and headers), which is what could leak. */
async function send<T, V>(
  target: Stack,
  label: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
): Promise<{
  status: number;
  text: string;
  body: { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}> {
  const response = await fetch(`${target.server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...authHeadersOf(target),
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const text = await response.text();
  const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  seen.push({ where: `${label} (body)`, text }, { where: `${label} (headers)`, text: headers });
  expect(response.status, `${label}: HTTP status`).toBeLessThan(500);
  return { status: response.status, text, body: JSON.parse(text) as never };
}

function expectNoLeaks(target: Stack, label: string, logsFrom: number): void {
  const found: Leak[] = [];
  for (const { where, text } of seen.filter((s) => s.where.startsWith(label))) found.push(...leaksIn(where, text));
  target.logs.slice(logsFrom).forEach((line, i) => {
    found.push(...leaksIn(`${label} log line ${logsFrom + i}`, line));
  });
  expect(found).toEqual([]);
}

beforeAll(async () => {
  stack = await startStack({ configure: isolatePolicies });
  for (const name of ['sae', 'apig', 'kms', 'csms'] as const) observe(stack.emulators.providers[name], name);
  const a = EMULATOR_CREDENTIALS.alibaba;
  const h = EMULATOR_CREDENTIALS.huawei;
  forbid('Alibaba AccessKeyId', a.accessKeyId);
  forbid('Alibaba AccessKeySecret', a.accessKeySecret);
  forbid('Huawei AK', h.ak);
  forbid('Huawei SK', h.sk);
  forbid('Huawei password', h.password);
  for (const [what, value] of Object.entries(WRONG)) forbid(`wrong credential ${what}`, value);
  forbidSeedValues(stack);
  forbidGatewayCredentials(stack);
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  stack.emulators.reset();
});

describe('succeeding queries', () => {
  it('lists, detail fields (SAE DescribeSecret carries SecretData, CSMS ShowSecret, KMS DescribeSecret) and node lookups leak nothing', async () => {
    const from = stack.logs.length;
    await send(stack, 'ok', CoverageProviderSlicesDocument, { first: 20 });
    await send(stack, 'ok', ProviderFieldsDocument, { first: 100 });
    const withKeys = await send(stack, 'ok', SaeSecretsWithDataKeysDocument, {
      first: 40,
      filter: { sources: ['sae-demo'] },
    });
    expect(withKeys.body.errors).toBeUndefined();
    expect(stack.calls('sae', 'DescribeSecret')).toBeGreaterThan(0);
    await send(stack, 'ok', SaeSecretsWithAppsDocument, { first: 40 });
    await send(stack, 'ok', KmsDetailsDocument, { first: 30, filter: { providers: ['ALIBABA_KMS'] } });
    await send(stack, 'ok', CsmsDetailsDocument, { first: 30, filter: { providers: ['HUAWEI_CSMS'] } });
    expect(stack.calls('csms', 'ShowSecret')).toBeGreaterThan(0);
    const page = await send(stack, 'ok', SecretsPageDocument, {
      first: 5,
      filter: { providers: ['ALIBABA_KMS', 'HUAWEI_CSMS'] },
    });
    const ids = (page.body.data as { secrets: { edges: Array<{ node: { id: string } }> } }).secrets.edges.map(
      (e) => e.node.id,
    );
    await send(stack, 'ok', NodesByIdDocument, { ids });
    await send(stack, 'ok', NamespacesDocument, {});
    expect(forbidden.size).toBeGreaterThan(100);
    expect(
      [...forbidden.values()].some((what) => what.includes('issued IAM token')),
      'the CSMS emulator issued a token that was observed',
    ).toBe(true);
    expect(
      [...forbidden.values()].some((what) => what.includes('ROA signature')),
      'ROA signatures were observed',
    ).toBe(true);
    expect(
      [...forbidden.values()].some((what) => what.includes('RPC signature')),
      'RPC signatures were observed',
    ).toBe(true);
    expectNoLeaks(stack, 'ok', from);
  });
});

describe('failing queries', () => {
  it('forced provider errors of every kind leak nothing', async () => {
    const from = stack.logs.length;
    const alibabaCodes = {
      sae: ['InvalidParameter.NotEmpty', 'InvalidNamespaceId.NotFound', 'Throttling.User', 'InternalError'],
      apig: ['InvalidParameter', 'Throttling.User'],
      kms: ['Forbidden.NoPermission', 'Rejected.Throttling', 'InvalidAccessKeyId.NotFound'],
    } as const;
    for (const [name, codes] of Object.entries(alibabaCodes) as Array<[keyof typeof alibabaCodes, readonly string[]]>) {
      for (const code of codes) {
        stack.emulators.providers[name].failNext(code, { operation: 'ListSecrets', times: 1000 });
        const result = await send(stack, 'forced', CoverageProviderSlicesDocument, { first: 3 });
        stack.emulators.providers[name].clearForcedErrors();
        expect(result.body.errors?.length).toBeGreaterThan(0);
      }
    }
    for (const code of ['CSMS.0005', 'CSMS.0106', 'APIG.0308', 'CSMS.0500', 'APIGW.0301'] as const) {
      stack.emulators.providers.csms.failNext('ListSecrets', code, 1000);
      const result = await send(stack, 'forced', CoverageProviderSlicesDocument, { first: 3 });
      stack.emulators.providers.csms.clearForcedErrors();
      expect(result.body.errors?.length).toBe(1);
    }
    stack.emulators.providers.sae.failNext('InvalidParameter.Obviously', { operation: 'DescribeSecret', times: 1000 });
    await send(stack, 'forced', SaeSecretsWithDataKeysDocument, { first: 3, filter: { sources: ['sae-demo'] } });
    stack.emulators.providers.kms.failNext('InternalFailure', { operation: 'DescribeSecret', times: 1000 });
    await send(stack, 'forced', KmsDetailsDocument, { first: 3, filter: { providers: ['ALIBABA_KMS'] } });
    stack.emulators.providers.csms.failNext('ShowSecret', 'CSMS.0500', 1000);
    await send(stack, 'forced', CsmsDetailsDocument, { first: 3, filter: { providers: ['HUAWEI_CSMS'] } });
    expectNoLeaks(stack, 'forced', from);
  });

  it('provider messages that echo the credentials, the string to sign or a signed URL are scrubbed', async () => {
    const from = stack.logs.length;
    const { accessKeyId, accessKeySecret } = EMULATOR_CREDENTIALS.alibaba;
    const signatures = [...forbidden].filter(([, what]) => /signature/i.test(what)).map(([value]) => value);
    expect(signatures.length).toBeGreaterThan(0);
    // As the real POP gateway words a signature mismatch: the string to sign, URL-encoded.
    const stringToSign = `Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3D${accessKeyId}%26Action%3DListSecrets%26SignatureMethod%3DHMAC-SHA1`;
    // As pop-core words its own errors: the message, then the whole signed URL.
    const signedUrl = `Request failed, URL: http://kms.cn-hangzhou.aliyuncs.com/?AccessKeyId=${accessKeyId}&Action=ListSecrets&Signature=${encodeURIComponent(signatures[0])}`;
    const keyEcho = `The AccessKeySecret ${accessKeySecret} of ${accessKeyId} is disabled.`;
    for (const message of [stringToSign, signedUrl, keyEcho]) {
      for (const name of ['sae', 'apig', 'kms'] as const) {
        stack.emulators.providers[name].failNext('SignatureDoesNotMatch', { operation: 'ListSecrets', message });
      }
      const result = await send(stack, 'echo', CoverageProviderSlicesDocument, { first: 3 });
      expect(result.body.errors?.length).toBe(3);
      // The message did reach the client, scrubbed rather than dropped.
      if (message !== signedUrl) expect(result.text).toContain('[REDACTED]');
    }
    // CSMS echoing the token it rejected and the password this source logs in with, on both
    // tries (the client logs in again after a 401). (AK/SK echoes: see the wrong-aksk stack,
    // whose CSMS source is configured with them; a gateway cannot scrub keys it was never given.)
    const token = [...forbidden].find(([, what]) => what.includes('issued IAM token'))![0];
    const { password } = EMULATOR_CREDENTIALS.huawei;
    stack.emulators.providers.csms.failNext(
      'ListSecrets',
      {
        status: 401,
        errorCode: 'APIGW.0301',
        errorMsg: `Incorrect IAM authentication information: token ${token} (password ${password}) rejected`,
      },
      2,
    );
    const csms = await send(stack, 'echo', CoverageProviderSlicesDocument, { first: 3 });
    expect(csms.body.errors?.length).toBe(1);
    expect(csms.text).toContain('[REDACTED]');
    expectNoLeaks(stack, 'echo', from);
  });

  it('bodies that are not JSON (HTML 502, truncated JSON) leak nothing', async () => {
    const from = stack.logs.length;
    for (const malformed of ['html-502', 'truncated-json'] as const) {
      for (const server of Object.values(stack.emulators.servers)) server.setFaults({ malformed });
      const result = await send(stack, 'malformed', CoverageProviderSlicesDocument, { first: 3 });
      expect(result.body.errors?.length).toBe(4);
      for (const server of Object.values(stack.emulators.servers)) server.setFaults(NO_FAULTS);
    }
    expectNoLeaks(stack, 'malformed', from);
  });

  it('bad input (cursors, IDs, oversized filters) leaks nothing', async () => {
    const from = stack.logs.length;
    await send(stack, 'bad-input', SecretsPageDocument, { first: 2, after: 'garbage' });
    await send(stack, 'bad-input', SecretsPageDocument, { first: 0 });
    await send(stack, 'bad-input', SecretsPageDocument, { first: 2, filter: { nameContains: 'x'.repeat(300) } });
    await send(stack, 'bad-input', CoverageNodeDocument, { id: Buffer.from('SaeSecret:{bad').toString('base64url') });
    await send(stack, 'bad-input', SecretsPageDocument, { first: 'x' } as never);
    expectNoLeaks(stack, 'bad-input', from);
  });
});

describe('wrong credentials', () => {
  const variants = [
    {
      label: 'wrong-aksk',
      configure: (config: Stack['config']) => {
        for (const source of config.sources) {
          if (source.provider === 'huawei-csms')
            source.credentials = { ak: EMULATOR_CREDENTIALS.huawei.ak, sk: WRONG.huaweiSk };
          else source.credentials = { ...source.credentials, accessKeySecret: WRONG.alibabaSecret };
        }
      },
      failing: 4,
      // Only CSMS: the Alibaba emulators check signatures before forced errors, so with a wrong
      // secret they never answer with one (Alibaba echoes are covered on the main stack).
      echo: (target: Stack) => {
        target.emulators.providers.csms.failNext('ListSecrets', {
          status: 401,
          errorCode: 'APIGW.0301',
          errorMsg: `Incorrect IAM authentication information: verify aksk signature fail, ak ${EMULATOR_CREDENTIALS.huawei.ak}, sk ${WRONG.huaweiSk}`,
        });
      },
    },
    {
      label: 'wrong-password',
      configure: (config: Stack['config']) => {
        for (const source of config.sources) {
          if (source.provider === 'huawei-csms')
            source.credentials = {
              ...(source.credentials as { domainName: string; userName: string; password: string }),
              password: WRONG.huaweiPassword,
            };
        }
      },
      failing: 1,
      echo: null,
    },
    {
      label: 'wrong-token',
      configure: (config: Stack['config']) => {
        for (const source of config.sources)
          if (source.provider === 'huawei-csms') source.credentials = { token: WRONG.huaweiToken };
      },
      failing: 1,
      echo: (target: Stack) => {
        target.emulators.providers.csms.failNext('ListSecrets', {
          status: 401,
          errorCode: 'APIGW.0301',
          errorMsg: `Incorrect IAM authentication information: the token ${WRONG.huaweiToken} is invalid`,
        });
      },
    },
  ];
  for (const v of variants) {
    it(`${v.label}: the rejected credentials appear in no body and no log line`, async () => {
      const bad = await startStack({
        configure: (config) => {
          isolatePolicies(config);
          v.configure(config);
        },
      });
      try {
        for (const name of ['sae', 'apig', 'kms', 'csms'] as const) observe(bad.emulators.providers[name], name);
        forbidGatewayCredentials(bad);
        const first = await send(bad, v.label, CoverageProviderSlicesDocument, { first: 3 });
        expect(first.body.errors?.length).toBe(v.failing);
        await send(bad, v.label, KmsDetailsDocument, { first: 3, filter: { providers: ['ALIBABA_KMS'] } });
        await send(bad, v.label, CsmsDetailsDocument, { first: 3, filter: { providers: ['HUAWEI_CSMS'] } });
        if (v.echo) {
          // The provider quotes the rejected credentials back in its message.
          v.echo(bad);
          const echoed = await send(bad, v.label, CoverageProviderSlicesDocument, { first: 3 });
          expect(echoed.body.errors?.length).toBe(v.failing);
          expect(echoed.text).toContain('[REDACTED]');
        }
        expectNoLeaks(bad, v.label, 0);
      } finally {
        await bad.close();
      }
    });
  }

  it('an emulator that is down leaks nothing either', async () => {
    const down = await startStack({ configure: isolatePolicies });
    try {
      observe(down.emulators.providers.kms, 'kms');
      forbidGatewayCredentials(down);
      await down.emulators.servers.kms.stop();
      await down.emulators.servers.csms.stop();
      const result = await send(down, 'down', CoverageProviderSlicesDocument, { first: 3 });
      expect(result.body.errors?.length).toBe(2);
      expectNoLeaks(down, 'down', 0);
    } finally {
      await down.close();
    }
  });
});

describe('everything this file saw', () => {
  it('no body, header block or log line of the main stack carries a forbidden value', () => {
    const found: Leak[] = [];
    for (const { where, text } of seen) found.push(...leaksIn(where, text));
    stack.logs.forEach((line, i) => {
      found.push(...leaksIn(`log line ${i}`, line));
    });
    expect(stack.logs.length).toBeGreaterThan(10);
    expect(found).toEqual([]);
    // Metadata only: no secret value was ever read from a provider.
    expect(operationsSeen).toContain('sae.DescribeSecret');
    expect(operationsSeen).not.toContain('kms.GetSecretValue');
    expect(operationsSeen).not.toContain('csms.ShowSecretVersion');
  });
});
