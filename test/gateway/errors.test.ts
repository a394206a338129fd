import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { GraphQLFormattedError } from 'graphql';
import { NO_FAULTS } from '../../src/emulators/core.js';
import type { CsmsForcedError } from '../../src/providers/huawei-csms/emulator.js';
import {
  CoverageProviderSlicesDocument,
  CoverageSaeAfterDocument,
  CoverageSaeDataKeysBesideKmsDocument,
  CoverageTotalCountDocument,
  CsmsDetailsDocument,
  KmsDetailsDocument,
  type CoverageProviderSlicesQuery,
  type Provider,
} from '../generated/graphql.js';
import type { UpstreamErrorCode } from '../../src/upstream/errors.js';
import { startStack, type ExecuteResult, type Stack } from '../helpers/stack.js';
import type { ProvidersConfig } from '../../src/providers/index.js';

/**
 * Provider failures as a client sees them: every documented error code of ListSecrets and
 * DescribeSecret, forced in the emulators, must come back as a typed error (gateway code,
 * provider, source, provider code, request id, retryable, and for retryable errors only
 * retryAfterMs, the same in the page's interruption and sourceStates) beside the data of the providers that
 * answered, with the failed source marked FAILED in sourceStates. Then wrong credentials, a
 * stopped or hanging emulator, and bodies that are not JSON.
 *
 * Forced errors are persistent (`times: 1000`, cleared after each test) so that the gateway's
 * retries cannot absorb them: what is checked is the error the client gets after the policy has
 * run, and that the gateway retried exactly the failures it calls retryable. Retries are made
 * fast and the circuit breaker is set out of reach, so that one test's failures cannot open the
 * breaker for the next (the breaker itself is test/resilience's subject).
 */

type Slice = keyof CoverageProviderSlicesQuery;
const SLICES: Slice[] = ['sae', 'apig', 'kms', 'csms'];
const PROVIDER_ENUM: Record<Slice, Provider> = {
  sae: 'ALIBABA_SAE',
  apig: 'ALIBABA_APIG',
  kms: 'ALIBABA_KMS',
  csms: 'HUAWEI_CSMS',
};
const SOURCE = { sae: 'sae-demo', apig: 'apig-demo', kms: 'kms-demo', csms: 'csms-demo' } as const;
const FIRST = 3;
const MAX_ATTEMPTS = 3;
const PERSISTENT = 1000;

/** Same retry count as the defaults, tiny delays, and a breaker that never opens here. */
function isolatePolicies(config: ProvidersConfig): void {
  for (const source of config.sources) {
    source.retry = { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 1, maxDelayMs: 5 };
    source.circuitBreaker = { failureThreshold: 1000, halfOpenAfterMs: 100 };
  }
}

type GatewayCode = Exclude<UpstreamErrorCode, 'UPSTREAM_ERROR'>;

interface Expectation {
  code: GatewayCode | GatewayCode[];
  providerCode: string | null;
  retryable: boolean;
  operation?: string;
  /** Whether the provider's request id must be reported (false where no answer carried one). */
  requestId?: boolean;
}

const STACK_TRACE = /\n\s+at\s|\bat\s+\S+\s+\([^)]*:\d+:\d+\)|\.(?:ts|js|mjs):\d+|node_modules/;

function expectNoStackTrace(error: GraphQLFormattedError): void {
  expect(error.message).not.toMatch(STACK_TRACE);
  expect(JSON.stringify(error.extensions ?? {})).not.toMatch(STACK_TRACE);
}

/** The retry contract: a retryable error says how long to wait (a whole number of ms); no other does. */
function expectRetryHint(error: GraphQLFormattedError): number | null {
  const ext = error.extensions ?? {};
  if (ext.retryable !== true) {
    expect(ext).not.toHaveProperty('retryAfterMs');
    return null;
  }
  expect(Number.isInteger(ext.retryAfterMs) && (ext.retryAfterMs as number) >= 0, JSON.stringify(ext)).toBe(true);
  return ext.retryAfterMs as number;
}

/** Asserts one typed error for `failing`, its FAILED source state, and untouched data for every other slice. */
function expectIsolatedFailure(
  result: ExecuteResult<CoverageProviderSlicesQuery>,
  failing: Slice,
  want: Expectation,
): void {
  expect(result.status).toBe(200);
  expect(result.data, 'partial results: data is still there').toBeTruthy();
  const errors = result.errors ?? [];
  expect(errors.length, 'at least one typed error').toBeGreaterThan(0);
  // One error per failed segment (SAE has several namespaces), all on the failing connection.
  expect(errors.map((e) => e.path)).toEqual(errors.map(() => [failing]));
  const codes = Array.isArray(want.code) ? want.code : [want.code];
  for (const error of errors) {
    expectNoStackTrace(error);
    expectRetryHint(error);
    const ext = error.extensions ?? {};
    expect(codes).toContain(ext.code);
    expect(ext).toMatchObject({
      provider: PROVIDER_ENUM[failing],
      source: SOURCE[failing],
      providerCode: want.providerCode,
      retryable: want.retryable,
      ...(want.operation ? { operation: want.operation } : {}),
    });
    if (want.requestId !== false) {
      expect(typeof ext.requestId).toBe('string');
      expect((ext.requestId as string).length).toBeGreaterThan(0);
    }
  }

  const data = result.data!;
  // The page stops at the first failure: one error, the source named, and a cursor that retries it.
  expect(errors).toHaveLength(1);
  const hint = expectRetryHint(errors[0]);
  expect(data[failing].interruption).toMatchObject({
    source: SOURCE[failing],
    provider: PROVIDER_ENUM[failing],
    code: errors[0].extensions?.code,
    retryable: want.retryable,
    retryAfterMs: hint,
  });
  expect(data[failing].pageInfo.hasNextPage).toBe(true);
  expect(data[failing].pageInfo.endCursor).toEqual(expect.any(String));
  const failed = data[failing].sourceStates.filter((s) => s.status === 'FAILED');
  expect(failed).toHaveLength(errors.length);
  for (const state of failed) {
    expect(state).toMatchObject({
      source: SOURCE[failing],
      provider: PROVIDER_ENUM[failing],
      status: 'FAILED',
      code: errors[0].extensions?.code,
      providerCode: want.providerCode,
      retryable: want.retryable,
      retryAfterMs: hint,
    });
  }
  for (const other of SLICES.filter((s) => s !== failing)) {
    expect(data[other].edges, `${other} still answers`).toHaveLength(FIRST);
    expect(data[other].sourceStates.every((s) => s.status === 'OK')).toBe(true);
    expect(data[other].interruption).toBeNull();
    expect(data[other].edges.every((e) => e.node.provider === PROVIDER_ENUM[other])).toBe(true);
  }
}

let stack: Stack;

function clearInjected(target: Stack): void {
  target.emulators.reset();
}

beforeAll(async () => {
  stack = await startStack({ configure: isolatePolicies });
  // Warm up: SAE namespaces are discovered and the CSMS token is issued once, so forced
  // errors below hit the calls they are aimed at.
  const warm = await stack.execute(CoverageProviderSlicesDocument, { first: FIRST });
  expect(warm.errors).toBeUndefined();
  stack.resetCounters();
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  clearInjected(stack);
});

const query = () => stack.execute(CoverageProviderSlicesDocument, { first: FIRST });

describe('documented ListSecrets error codes, forced in the emulators', () => {
  const alibaba: Array<{ slice: 'sae' | 'apig' | 'kms'; providerCode: string; code: GatewayCode; retryable: boolean }> =
    [
      // SAE ListSecrets / DescribeSecret docs, plus POP throttling (400) and an internal error (500).
      { slice: 'sae', providerCode: 'InvalidParameter.NotEmpty', code: 'UPSTREAM_BAD_REQUEST', retryable: false },
      { slice: 'sae', providerCode: 'InvalidParameter.Obviously', code: 'UPSTREAM_BAD_REQUEST', retryable: false },
      { slice: 'sae', providerCode: 'InvalidParameter.WithMessage', code: 'UPSTREAM_BAD_REQUEST', retryable: false },
      { slice: 'sae', providerCode: 'InvalidNamespaceId.NotFound', code: 'UPSTREAM_NOT_FOUND', retryable: false },
      { slice: 'sae', providerCode: 'InvalidSecretId.NotFound', code: 'UPSTREAM_NOT_FOUND', retryable: false },
      { slice: 'sae', providerCode: 'Throttling.User', code: 'UPSTREAM_THROTTLED', retryable: true },
      { slice: 'sae', providerCode: 'InternalError', code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      { slice: 'sae', providerCode: 'SignatureDoesNotMatch', code: 'UPSTREAM_AUTH_FAILED', retryable: false },
      // APIG: its own InvalidParameter (lowerCamel body), POP throttling (400) and internal error.
      { slice: 'apig', providerCode: 'InvalidParameter', code: 'UPSTREAM_BAD_REQUEST', retryable: false },
      { slice: 'apig', providerCode: 'Throttling.User', code: 'UPSTREAM_THROTTLED', retryable: true },
      { slice: 'apig', providerCode: 'InternalError', code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      { slice: 'apig', providerCode: 'InvalidAccessKeyId.NotFound', code: 'UPSTREAM_AUTH_FAILED', retryable: false },
      // KMS ListSecrets docs, plus Rejected.Throttling (429) and ServiceUnavailableTemporary (503).
      { slice: 'kms', providerCode: 'InvalidParameter', code: 'UPSTREAM_BAD_REQUEST', retryable: false },
      { slice: 'kms', providerCode: 'InternalFailure', code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      { slice: 'kms', providerCode: 'Forbidden.NoPermission', code: 'UPSTREAM_FORBIDDEN', retryable: false },
      { slice: 'kms', providerCode: 'Forbidden.ResourceNotFound', code: 'UPSTREAM_NOT_FOUND', retryable: false },
      { slice: 'kms', providerCode: 'InvalidAccessKeyId.NotFound', code: 'UPSTREAM_AUTH_FAILED', retryable: false },
      { slice: 'kms', providerCode: 'Rejected.Throttling', code: 'UPSTREAM_THROTTLED', retryable: true },
      { slice: 'kms', providerCode: 'ServiceUnavailableTemporary', code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    ];
  for (const c of alibaba) {
    it(`${c.slice.toUpperCase()} ${c.providerCode} → ${c.code} (retryable: ${c.retryable})`, async () => {
      stack.emulators.providers[c.slice].failNext(c.providerCode, { operation: 'ListSecrets', times: PERSISTENT });
      const result = await query();
      expectIsolatedFailure(result, c.slice, {
        code: c.code,
        providerCode: c.providerCode,
        retryable: c.retryable,
        operation: 'ListSecrets',
      });
      // "retryable" is what the gateway itself does: every attempt for those, one call for the rest.
      const segments = result.errors!.length;
      expect(stack.calls(c.slice, 'ListSecrets')).toBe(segments * (c.retryable ? MAX_ATTEMPTS : 1));
    });
  }

  it('SAE: a failed namespace ends the page before it; its cursor retries that namespace, and no later one is read', async () => {
    // Once, and not retryable: only the first namespace's ListSecrets fails.
    stack.emulators.providers.sae.failNext('InvalidNamespaceId.NotFound', { operation: 'ListSecrets' });
    const result = await query();
    expect(result.errors?.map((e) => e.extensions?.providerCode)).toEqual(['InvalidNamespaceId.NotFound']);
    const failed = result.data!.sae;
    expect(failed.sourceStates).toEqual([
      {
        source: 'sae-demo',
        namespace: 'cn-hangzhou',
        provider: 'ALIBABA_SAE',
        status: 'FAILED',
        code: 'UPSTREAM_NOT_FOUND',
        providerCode: 'InvalidNamespaceId.NotFound',
        retryable: false,
        retryAfterMs: null,
      },
    ]);
    expect(failed.interruption).toEqual({
      source: 'sae-demo',
      provider: 'ALIBABA_SAE',
      namespace: 'cn-hangzhou',
      code: 'UPSTREAM_NOT_FOUND',
      retryable: false,
      retryAfterMs: null,
    });
    expect(failed.edges).toEqual([]);
    expect(failed.pageInfo.hasNextPage).toBe(true);
    // Asking again from the page's cursor reads the namespace that failed, from its start.
    const retried = await stack.execute(CoverageSaeAfterDocument, { first: FIRST, after: failed.pageInfo.endCursor });
    expect(retried.errors).toBeUndefined();
    const fresh = await stack.execute(CoverageSaeAfterDocument, { first: FIRST });
    expect(retried.data!.sae.edges.map((e) => e.node.id)).toEqual(fresh.data!.sae.edges.map((e) => e.node.id));
    expect(retried.data!.sae.sourceStates[0]).toMatchObject({ namespace: 'cn-hangzhou', status: 'OK' });
  });

  const csms: Array<{ error: CsmsForcedError; providerCode: string; code: GatewayCode; retryable: boolean }> = [
    { error: 'CSMS.0005', providerCode: 'CSMS.0005', code: 'UPSTREAM_NOT_FOUND', retryable: false },
    { error: 'CSMS.0106', providerCode: 'CSMS.0106', code: 'UPSTREAM_NOT_FOUND', retryable: false },
    // A 401 makes the client log in again once; still failing after that is a real authentication failure.
    { error: 'APIGW.0301', providerCode: 'APIGW.0301', code: 'UPSTREAM_AUTH_FAILED', retryable: false },
    {
      error: {
        status: 401,
        errorCode: 'APIG.0301',
        errorMsg: 'Incorrect IAM authentication information: token expired',
      },
      providerCode: 'APIG.0301',
      code: 'UPSTREAM_AUTH_FAILED',
      retryable: false,
    },
    { error: 'APIG.0308', providerCode: 'APIG.0308', code: 'UPSTREAM_THROTTLED', retryable: true },
    {
      error: { status: 429, errorCode: 'APIGW.0308', errorMsg: 'The throttling threshold has been reached' },
      providerCode: 'APIGW.0308',
      code: 'UPSTREAM_THROTTLED',
      retryable: true,
    },
    { error: 'CSMS.0500', providerCode: 'CSMS.0500', code: 'UPSTREAM_UNAVAILABLE', retryable: true },
    {
      error: { status: 502, errorCode: 'APIGW.0502', errorMsg: 'Bad gateway' },
      providerCode: 'APIGW.0502',
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
    },
    {
      error: { status: 504, errorCode: 'APIGW.0504', errorMsg: 'Gateway timed out' },
      providerCode: 'APIGW.0504',
      code: 'UPSTREAM_TIMEOUT',
      retryable: true,
    },
  ];
  for (const c of csms) {
    it(`CSMS ${c.providerCode} (HTTP ${typeof c.error === 'string' ? 'catalog' : c.error.status}) → ${c.code} (retryable: ${c.retryable})`, async () => {
      stack.emulators.providers.csms.failNext('ListSecrets', c.error, PERSISTENT);
      const result = await query();
      expectIsolatedFailure(result, 'csms', {
        code: c.code,
        providerCode: c.providerCode,
        retryable: c.retryable,
        operation: 'ListSecrets',
      });
      // A 401 costs one more call: the upstream path has the client log in again and tries once more.
      const perAttempt = c.code === 'UPSTREAM_AUTH_FAILED' ? 2 : 1;
      expect(stack.calls('csms', 'ListSecrets')).toBe(perAttempt * (c.retryable ? MAX_ATTEMPTS : 1));
    });
  }

  it('CSMS: one 401 is absorbed by logging in again (no error, one new token), as a retry the metrics count', async () => {
    const authRetries = async () => {
      const text = await (await fetch(`${stack.server.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('secrets_gateway_upstream_retries_total{') &&
            l.includes('source="csms-demo"') &&
            l.includes('code="UPSTREAM_AUTH_FAILED"'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const retriesBefore = await authRetries();
    stack.emulators.providers.csms.failNext('ListSecrets', 'APIGW.0301');
    const tokensBefore = stack.emulators.providers.csms.tokensIssued();
    const result = await query();
    expect(await authRetries()).toBe(retriesBefore + 1);
    expect(result.errors).toBeUndefined();
    expect(result.data!.csms.edges).toHaveLength(FIRST);
    expect(stack.emulators.providers.csms.tokensIssued()).toBe(tokensBefore + 1);
    expect(stack.calls('csms', 'ListSecrets')).toBe(2);
  });

  it('CSMS: concurrent 401s after the tokens were revoked cost one login, and every request succeeds', async () => {
    const csms = stack.emulators.providers.csms;
    expect((await query()).errors).toBeUndefined();
    const tokensBefore = csms.tokensIssued();
    csms.revokeTokens();
    // Latency keeps all the calls with the revoked token in flight together, and their 401s arrive
    // while the first one's login is under way or just after it: none may drop the fresh token.
    stack.emulators.servers.csms.setFaults({ ...NO_FAULTS, latencyMs: 40 });
    stack.resetCounters();
    const results = await Promise.all(Array.from({ length: 6 }, () => query()));
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data!.csms.edges).toHaveLength(FIRST);
    }
    expect(csms.tokensIssued()).toBe(tokensBefore + 1);
    // At most one call with the revoked token and one with the new one per request (those that
    // started after the login only need the second).
    expect(stack.calls('csms', 'ListSecrets')).toBeLessThanOrEqual(2 * results.length);
  });

  it('totalCount after a source failed: null, without calling the failed source again and without a second error', async () => {
    for (const [slice, code] of [
      ['kms', 'Rejected.Throttling'],
      ['apig', 'Throttling.User'],
      ['sae', 'Throttling.User'],
    ] as const) {
      const filter = { providers: [PROVIDER_ENUM[slice]] };
      stack.emulators.providers[slice].failNext(code, { operation: 'ListSecrets', times: PERSISTENT });
      // The same page without totalCount: what the walk itself costs (retries included).
      stack.resetCounters();
      const plain = await stack.execute(CoverageProviderSlicesDocument, { first: FIRST });
      const walkCalls = stack.calls(slice, 'ListSecrets');
      const walkErrors = (plain.errors ?? []).length;
      expect(walkErrors).toBeGreaterThan(0);

      stack.resetCounters();
      const result = await stack.execute(CoverageTotalCountDocument, { first: FIRST, filter });
      stack.emulators.providers[slice].clearForcedErrors();
      expect(result.status).toBe(200);
      expect(result.data?.secrets.totalCount ?? null).toBeNull();
      expect({ slice, calls: stack.calls(slice, 'ListSecrets') }).toEqual({ slice, calls: walkCalls });
      expect({ slice, paths: (result.errors ?? []).map((e) => e.path?.join('.')) }).toEqual({
        slice,
        paths: Array(walkErrors).fill('secrets'),
      });
    }
  });

  it('SAE namespace discovery (DescribeNamespaceList) failing leaves the source FAILED without a namespace', async () => {
    // A fresh request discovers namespaces again (per-request loaders).
    stack.emulators.providers.sae.failNext('InternalError', { operation: 'DescribeNamespaceList', times: PERSISTENT });
    const result = await query();
    expectIsolatedFailure(result, 'sae', {
      code: 'UPSTREAM_UNAVAILABLE',
      providerCode: 'InternalError',
      retryable: true,
      operation: 'DescribeNamespaceList',
    });
    expect(result.data!.sae.sourceStates).toEqual([
      {
        source: 'sae-demo',
        namespace: null,
        provider: 'ALIBABA_SAE',
        status: 'FAILED',
        code: 'UPSTREAM_UNAVAILABLE',
        providerCode: 'InternalError',
        retryable: true,
        retryAfterMs: result.errors![0].extensions!.retryAfterMs,
      },
    ]);
    expect(result.data!.sae.edges).toEqual([]);
  });
});

describe('DescribeSecret failures (detail fields)', () => {
  it('KMS: each documented DescribeSecret error is a typed error on the detail field', async () => {
    const cases: Array<{ providerCode: string; code: GatewayCode; retryable: boolean }> = [
      { providerCode: 'InvalidParameter', code: 'UPSTREAM_BAD_REQUEST', retryable: false },
      { providerCode: 'InternalFailure', code: 'UPSTREAM_UNAVAILABLE', retryable: true },
      { providerCode: 'Forbidden.NoPermission', code: 'UPSTREAM_FORBIDDEN', retryable: false },
      { providerCode: 'InvalidAccessKeyId.NotFound', code: 'UPSTREAM_AUTH_FAILED', retryable: false },
      { providerCode: 'Rejected.Throttling', code: 'UPSTREAM_THROTTLED', retryable: true },
    ];
    for (const c of cases) {
      stack.emulators.providers.kms.clearForcedErrors();
      stack.emulators.providers.kms.failNext(c.providerCode, { operation: 'DescribeSecret', times: 1000 });
      const result = await stack.execute(KmsDetailsDocument, { first: 2, filter: { providers: ['ALIBABA_KMS'] } });
      expect(result.status).toBe(200);
      // The list itself answered: names are there, detail fields are null with errors beside them.
      expect(result.data!.secrets.nodes).toHaveLength(2);
      expect(result.errors!.length).toBeGreaterThan(0);
      for (const error of result.errors!) {
        expectNoStackTrace(error);
        expectRetryHint(error);
        expect(error.path?.slice(0, 2)).toEqual(['secrets', 'nodes']);
        expect(error.extensions).toMatchObject({
          code: c.code,
          provider: 'ALIBABA_KMS',
          source: 'kms-demo',
          operation: 'DescribeSecret',
          providerCode: c.providerCode,
          retryable: c.retryable,
        });
        expect(String(error.extensions!.requestId)).not.toBe('');
      }
    }
  });

  it('KMS: a secret gone between ListSecrets and DescribeSecret (Forbidden.ResourceNotFound) has null details, no error', async () => {
    stack.emulators.providers.kms.failNext('Forbidden.ResourceNotFound', { operation: 'DescribeSecret', times: 1000 });
    const result = await stack.execute(KmsDetailsDocument, { first: 2, filter: { providers: ['ALIBABA_KMS'] } });
    expect(result.errors).toBeUndefined();
    for (const node of result.data!.secrets.nodes) {
      if (node.__typename !== 'KmsSecret') throw new Error('expected KMS secrets');
      expect(node.arn).toBeNull();
    }
  });

  it('KMS: one failed DescribeSecret fails the fields of that secret only, not of every secret in the batch', async () => {
    // Not retryable, so exactly one DescribeSecret fails, whatever the retry policy.
    stack.emulators.providers.kms.failNext('Forbidden.NoPermission', { operation: 'DescribeSecret', times: 1 });
    const result = await stack.execute(KmsDetailsDocument, { first: 3, filter: { providers: ['ALIBABA_KMS'] } });
    const failedNodes = new Set((result.errors ?? []).map((e) => e.path?.[2]));
    expect(failedNodes.size).toBe(1);
    const healthy = result.data!.secrets.nodes.filter((_n, i) => !failedNodes.has(i));
    expect(healthy).toHaveLength(2);
    for (const node of healthy) if (node.__typename === 'KmsSecret') expect(node.arn).toMatch(/^acs:kms:/);
  });

  it("SAE: a DescribeSecret failure (dataKeys) is a typed error and leaves the other connections' data in place", async () => {
    stack.emulators.providers.sae.failNext('InvalidParameter.Obviously', { operation: 'DescribeSecret', times: 1 });
    const result = await stack.execute(CoverageSaeDataKeysBesideKmsDocument, { first: 2 });
    expect(result.status).toBe(200);
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors!) {
      expectNoStackTrace(error);
      expectRetryHint(error);
      expect(error.extensions).toMatchObject({
        code: 'UPSTREAM_BAD_REQUEST',
        provider: 'ALIBABA_SAE',
        operation: 'DescribeSecret',
        providerCode: 'InvalidParameter.Obviously',
        retryable: false,
      });
    }
    // One failed DescribeSecret must not wipe out the KMS connection of the same response.
    expect(result.data?.kms.nodes).toHaveLength(2);
  });

  it('CSMS: a ShowSecret failure (eventSubscriptions) is a typed error and the listed secrets stay in the response', async () => {
    stack.emulators.providers.csms.failNext('ShowSecret', 'CSMS.0500', PERSISTENT);
    const result = await stack.execute(CsmsDetailsDocument, { first: 2, filter: { providers: ['HUAWEI_CSMS'] } });
    expect(result.status).toBe(200);
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors!) {
      expectNoStackTrace(error);
      expectRetryHint(error);
      expect(error.extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        provider: 'HUAWEI_CSMS',
        operation: 'ShowSecret',
        providerCode: 'CSMS.0500',
        retryable: true,
      });
    }
    // The list answered; only the ShowSecret fields are missing.
    expect(result.data?.secrets.nodes.map((n) => n.name)).toEqual(
      stack.emulators.data.csms.secrets.slice(0, 2).map((s) => s.name),
    );
  });

  it('SAE: a secret gone before DescribeSecret (InvalidSecretId.NotFound) has no data keys, no error', async () => {
    stack.emulators.providers.sae.failNext('InvalidSecretId.NotFound', { operation: 'DescribeSecret', times: 1000 });
    const result = await stack.execute(CoverageSaeDataKeysBesideKmsDocument, { first: 2 });
    expect(result.errors).toBeUndefined();
    for (const node of result.data!.sae.nodes) if (node.__typename === 'SaeSecret') expect(node.dataKeys).toEqual([]);
  });
});

describe('bodies that are not JSON', () => {
  for (const slice of SLICES) {
    for (const malformed of ['html-502', 'truncated-json'] as const) {
      it(`${slice.toUpperCase()} answering ${malformed} → a typed error, not an empty success`, async () => {
        stack.emulators.servers[slice].setFaults({ malformed });
        const result = await query();
        expectIsolatedFailure(result, slice, {
          code: ['UPSTREAM_BAD_RESPONSE', 'UPSTREAM_UNAVAILABLE'],
          providerCode: null,
          retryable: result.errors?.[0]?.extensions?.code === 'UPSTREAM_UNAVAILABLE',
          requestId: false,
        });
        expect(result.data![slice].edges).toEqual([]);
      });
    }
  }
});

describe('wrong credentials', () => {
  const variants: Array<{
    title: string;
    alibaba: { accessKeyId?: string; accessKeySecret?: string };
    csms: Record<string, string> | 'keep-password-but-wrong';
    alibabaCode: string;
    csmsCode: string | null;
  }> = [
    {
      title: 'wrong Alibaba AccessKeySecret, wrong Huawei SK',
      alibaba: { accessKeySecret: 'wrong-alibaba-secret-0000000000' },
      csms: { ak: 'HWEMULATORAK0000000001', sk: 'wrong-huawei-sk-00000000000' },
      alibabaCode: 'SignatureDoesNotMatch',
      csmsCode: 'APIGW.0301',
    },
    {
      title: 'unknown Alibaba AccessKeyId, wrong Huawei password',
      alibaba: { accessKeyId: 'LTAI5tUNKNOWNKEY00000009' },
      csms: 'keep-password-but-wrong',
      alibabaCode: 'InvalidAccessKeyId.NotFound',
      // IAM answers {error:{code:401}}: the provider code is IAM's own.
      csmsCode: null,
    },
    {
      title: 'forged Huawei token',
      alibaba: {},
      csms: { token: 'MIIforged-token-that-iam-never-issued' },
      alibabaCode: '',
      csmsCode: 'APIGW.0301',
    },
  ];

  for (const v of variants) {
    describe(v.title, () => {
      let bad: Stack;
      beforeAll(async () => {
        bad = await startStack({
          configure: (config) => {
            isolatePolicies(config);
            for (const source of config.sources) {
              if (source.provider === 'huawei-csms') {
                source.credentials =
                  v.csms === 'keep-password-but-wrong'
                    ? {
                        ...(source.credentials as { domainName: string; userName: string; password: string }),
                        password: 'wrong-huawei-password-0000',
                      }
                    : (v.csms as typeof source.credentials);
              } else {
                source.credentials = { ...source.credentials, ...v.alibaba };
              }
            }
          },
        });
      });
      afterAll(async () => {
        await bad?.close();
      });

      it('each source with a bad credential is UPSTREAM_AUTH_FAILED, not retryable, HTTP 200, others answer', async () => {
        const result = await bad.execute(CoverageProviderSlicesDocument, { first: FIRST });
        expect(result.status).toBe(200);
        const failing: Slice[] = v.alibabaCode ? SLICES : ['csms'];
        expect((result.errors ?? []).map((e) => e.path?.[0]).sort()).toEqual([...failing].sort());
        for (const error of result.errors ?? []) {
          expectNoStackTrace(error);
          expectRetryHint(error);
          const slice = error.path![0] as Slice;
          expect(error.extensions).toMatchObject({
            code: 'UPSTREAM_AUTH_FAILED',
            provider: PROVIDER_ENUM[slice],
            source: SOURCE[slice],
            retryable: false,
          });
          const providerCode = error.extensions!.providerCode;
          if (slice === 'csms') {
            if (v.csmsCode) expect(providerCode).toBe(v.csmsCode);
            else expect(typeof providerCode === 'string' && providerCode.length > 0).toBe(true);
          } else {
            expect(providerCode).toBe(v.alibabaCode);
          }
          expect(result.data![slice].edges).toEqual([]);
          expect(result.data![slice].sourceStates.map((s) => s.status)).toContain('FAILED');
        }
        for (const slice of SLICES.filter((s) => !failing.includes(s)))
          expect(result.data![slice].edges).toHaveLength(FIRST);
      });
    });
  }
});

describe('an emulator that is down or silent', () => {
  let down: Stack;
  beforeAll(async () => {
    down = await startStack({
      configure: (config) => {
        isolatePolicies(config);
        const apig = config.sources.find((s) => s.id === SOURCE.apig)!;
        apig.timeoutMs = 200;
      },
    });
    await down.emulators.servers.kms.stop();
    down.emulators.servers.apig.setFaults({ hang: true });
  });
  afterAll(async () => {
    down?.emulators.servers.apig.setFaults(NO_FAULTS);
    await down?.close();
  });

  it('KMS stopped → UPSTREAM_UNAVAILABLE (retryable); APIG hanging → UPSTREAM_TIMEOUT (retryable); SAE and CSMS still answer', async () => {
    const result = await down.execute(CoverageProviderSlicesDocument, { first: FIRST });
    expect(result.status).toBe(200);
    const bySlice = new Map((result.errors ?? []).map((e) => [e.path?.[0], e]));
    expect([...bySlice.keys()].sort()).toEqual(['apig', 'kms']);
    expect(bySlice.get('kms')!.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'ALIBABA_KMS',
      source: 'kms-demo',
      retryable: true,
    });
    expect(bySlice.get('apig')!.extensions).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      provider: 'ALIBABA_APIG',
      source: 'apig-demo',
      retryable: true,
    });
    for (const error of bySlice.values()) {
      expectNoStackTrace(error);
      expect(expectRetryHint(error)).toEqual(expect.any(Number));
    }
    expect(result.data!.kms.sourceStates).toEqual([
      {
        source: 'kms-demo',
        namespace: 'cn-hangzhou',
        provider: 'ALIBABA_KMS',
        status: 'FAILED',
        code: 'UPSTREAM_UNAVAILABLE',
        providerCode: null,
        retryable: true,
        retryAfterMs: bySlice.get('kms')!.extensions!.retryAfterMs,
      },
    ]);
    expect(result.data!.sae.edges).toHaveLength(FIRST);
    expect(result.data!.csms.edges).toHaveLength(FIRST);
  });
});
