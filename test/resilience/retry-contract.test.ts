import type { GraphQLFormattedError } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Faults } from '../../src/emulators/core.js';
import {
  RetryContractPageDocument,
  WalkPageDocument,
  type RetryContractPageQuery,
  type WalkPageQuery,
} from '../generated/graphql.js';
import { expectedKeys, keyOfGlobalId, SOURCE, type ProviderKey } from '../helpers/expected.js';
import { startStack, type ExecuteResult, type Stack } from '../helpers/stack.js';

/**
 * The retry contract (README "Errors"), against the emulators: every retryable upstream error says
 * how long to wait (`extensions.retryAfterMs`, and the same in `interruption` and `sourceStates`),
 * and only those; a refusal by an open circuit breaker says so (`reason: CIRCUIT_OPEN`) and made no
 * call; and a client that waits as told is back within seconds of the end of an outage.
 */

const PROVIDERS: ProviderKey[] = ['sae', 'apig', 'kms', 'csms', 'aws'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Bound of the contract: the first row of a source after a short outage, counted from its end. */
const RECOVERY_BOUND_MS = 3000;
/** What the walking client waits when a retryable error names no wait (the old gateway's errors). */
const FALLBACK_WAIT_MS = 250;

async function breakerOf(stack: Stack, source: string): Promise<string | undefined> {
  const ready = (await (await fetch(`${stack.server.url}/readyz`)).json()) as {
    sources: Array<{ id: string; breaker: string }>;
  };
  return ready.sources.find((s) => s.id === source)?.breaker;
}

interface TimedWalk {
  keys: string[];
  requests: number;
  /** When the walk's first row arrived (epoch ms). */
  firstRowAt: number | null;
  /** Retryable errors that named no wait. */
  unhinted: number;
}

/**
 * A client as the README shows it: follows `endCursor` to the end and, after a page with a
 * retryable error, waits the longest `retryAfterMs` its errors name before asking again.
 */
async function walkAsTold(stack: Stack, source: string): Promise<TimedWalk> {
  const walk: TimedWalk = { keys: [], requests: 0, firstRowAt: null, unhinted: 0 };
  let after: string | null = null;
  while (walk.requests < 500) {
    walk.requests++;
    const result: ExecuteResult<WalkPageQuery> = await stack.execute(WalkPageDocument, {
      first: 100,
      after,
      filter: { sources: [source] },
    });
    const page = result.data?.secrets;
    if (!page) throw new Error(`no page: ${JSON.stringify(result.errors)}`);
    if (page.edges.length > 0) walk.firstRowAt ??= Date.now();
    walk.keys.push(...page.edges.map((e) => keyOfGlobalId(e.node.id)));
    const retryable = (result.errors ?? []).filter((e) => e.extensions?.retryable === true);
    if (retryable.length < (result.errors ?? []).length)
      throw new Error(`not retryable: ${JSON.stringify(result.errors)}`);
    const waits = retryable.map((e) => e.extensions?.retryAfterMs as number | undefined);
    walk.unhinted += waits.filter((w) => w === undefined).length;
    if (waits.length > 0) await sleep(Math.max(...waits.map((w) => w ?? FALLBACK_WAIT_MS)));
    if (!page.pageInfo.hasNextPage) return walk;
    after = page.pageInfo.endCursor ?? null;
  }
  throw new Error('the walk did not end');
}

describe('a short outage, with the default policy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it(`a client that waits retryAfterMs has its first KMS row within ${RECOVERY_BOUND_MS / 1000} s of the end of the outage, and loses and repeats nothing`, async () => {
    const kms = stack.emulators.servers.kms;
    kms.setFaults({ serverErrorRate: 1 });
    const started = Date.now();
    // The outage lasts at least 0.5 s and until the breaker has opened.
    const outage = (async () => {
      while (Date.now() - started < 500 || (await breakerOf(stack, SOURCE.kms)) !== 'open') await sleep(20);
      kms.setFaults({ serverErrorRate: 0 });
      return Date.now();
    })();
    const walk = await walkAsTold(stack, SOURCE.kms);
    const ended = await outage;
    const recoveryMs = walk.firstRowAt! - ended;
    console.info(`first KMS row ${recoveryMs} ms after a ${ended - started} ms outage; ${walk.requests} requests`);
    expect(walk.unhinted).toBe(0);
    expect(walk.keys).toEqual(expectedKeys(stack.emulators, 'kms'));
    expect(recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    expect(await breakerOf(stack, SOURCE.kms)).toBe('closed');
  });
});

type Page = ExecuteResult<RetryContractPageQuery>;

/** One page of one source, with its single error. */
async function failedPage(stack: Stack, provider: ProviderKey): Promise<{ page: Page; error: GraphQLFormattedError }> {
  const page = await stack.execute(RetryContractPageDocument, { first: 5, filter: { sources: [SOURCE[provider]] } });
  expect(page.errors, JSON.stringify(page.errors)).toHaveLength(1);
  return { page, error: page.errors![0] };
}

/** The hint where a client meets it: the error's extensions, the page's interruption, the source's state. */
function expectHint(page: Page, error: GraphQLFormattedError, code: string): number {
  const ext = error.extensions ?? {};
  expect(ext).toMatchObject({ code, retryable: true });
  const hint = ext.retryAfterMs as number;
  expect(Number.isInteger(hint) && hint >= 0, `retryAfterMs ${String(hint)}`).toBe(true);
  expect(page.data!.secrets.interruption).toMatchObject({ code, retryable: true, retryAfterMs: hint });
  expect(page.data!.secrets.sourceStates.find((s) => s.status === 'FAILED')).toMatchObject({
    code,
    retryable: true,
    retryAfterMs: hint,
  });
  return hint;
}

function expectNoHint(page: Page, error: GraphQLFormattedError): void {
  expect(error.extensions?.retryable).toBe(false);
  expect(error.extensions).not.toHaveProperty('retryAfterMs');
  expect(page.data!.secrets.interruption?.retryAfterMs).toBeNull();
  expect(page.data!.secrets.sourceStates.find((s) => s.status === 'FAILED')?.retryAfterMs).toBeNull();
}

describe('the hint on every retryable error, and only there', () => {
  const RETRY = { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 2000 };
  /** With no better wait known: the next step of the gateway's own backoff. */
  const DEFAULT_HINT_MS = Math.min(RETRY.maxDelayMs, RETRY.baseDelayMs * 2 ** RETRY.maxAttempts);
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources) {
          source.retry = RETRY;
          source.timeoutMs = 300;
          // Out of reach here: the breaker's share of the hint is the next describe's.
          source.circuitBreaker = { failureThreshold: 1000, halfOpenAfterMs: 10_000 };
        }
      },
    });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.emulators.reset());

  const each = (
    faults: Partial<Faults>,
    check: (provider: ProviderKey, page: Page, error: GraphQLFormattedError) => void,
  ) =>
    Promise.all(
      PROVIDERS.map(async (provider) => {
        stack.emulators.servers[provider].setFaults(faults);
        const { page, error } = await failedPage(stack, provider);
        check(provider, page, error);
      }),
    );

  it('throttling without a provider hint: the next step of the backoff, on every provider', async () => {
    await each({ throttleRate: 1 }, (_provider, page, error) => {
      expect(expectHint(page, error, 'UPSTREAM_THROTTLED')).toBe(DEFAULT_HINT_MS);
    });
  });

  it("throttling with Retry-After: the provider's wait, where its client lets the header through", async () => {
    await each({ throttleRate: 1, retryAfter: '2' }, (provider, page, error) => {
      // pop-core's ROA client (SAE, APIG) drops the headers of an error answer.
      const expected = provider === 'sae' || provider === 'apig' ? DEFAULT_HINT_MS : 2000;
      expect({ provider, hint: expectHint(page, error, 'UPSTREAM_THROTTLED') }).toEqual({ provider, hint: expected });
    });
  });

  it('server errors, broken bodies and timeouts (refused connections: test/gateway/errors.test.ts)', async () => {
    await each({ serverErrorRate: 1 }, (_provider, page, error) => {
      expect(expectHint(page, error, 'UPSTREAM_UNAVAILABLE')).toBe(DEFAULT_HINT_MS);
    });
    stack.emulators.reset();
    await each({ malformed: 'html-502' }, (_provider, page, error) => {
      // A 502 page is a server error to some clients, an unreadable body (not retryable) to others.
      if (error.extensions?.retryable) expectHint(page, error, 'UPSTREAM_UNAVAILABLE');
      else expectNoHint(page, error);
    });
    stack.emulators.reset();
    await each({ hang: true }, (_provider, page, error) => {
      expect(expectHint(page, error, 'UPSTREAM_TIMEOUT')).toBe(DEFAULT_HINT_MS);
    });
  });

  it('not on errors that asking again will not cure', async () => {
    stack.emulators.providers.kms.failNext('Forbidden.NoPermission', { operation: 'ListSecrets', times: 10 });
    stack.emulators.providers.sae.failNext('InvalidParameter.Obviously', {
      operation: 'DescribeNamespaceList',
      times: 10,
    });
    stack.emulators.providers.csms.failNext('ListSecrets', 'CSMS.0106', 10);
    stack.emulators.providers.aws.failNext('AccessDeniedException', { operation: 'ListSecrets', times: 10 });
    for (const provider of ['kms', 'sae', 'csms', 'aws'] as const) {
      const { page, error } = await failedPage(stack, provider);
      expectNoHint(page, error);
    }
  });
});

describe('the circuit breaker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        const kms = config.sources.find((s) => s.id === SOURCE.kms)!;
        kms.retry = { maxAttempts: 1, baseDelayMs: 50, maxDelayMs: 50 };
        kms.circuitBreaker = { failureThreshold: 2, halfOpenAfterMs: 10_000 };
      },
    });
  });
  afterAll(() => stack.close());

  it('says when it will probe, refuses without calling until then, waits longer while probes fail, and closes after', async () => {
    const kms = stack.emulators.servers.kms;
    kms.setFaults({ serverErrorRate: 1 });
    const first = await failedPage(stack, 'kms');
    expect(first.error.extensions).not.toHaveProperty('reason');
    // The failure that opens the breaker already says how long until its probe.
    const opening = await failedPage(stack, 'kms');
    expect(opening.error.extensions).not.toHaveProperty('reason');
    const untilProbe = expectHint(opening.page, opening.error, 'UPSTREAM_UNAVAILABLE');
    expect(untilProbe).toBeGreaterThan(500);
    expect(untilProbe).toBeLessThanOrEqual(1000);

    const calls = kms.calls('ListSecrets');
    const refused = await failedPage(stack, 'kms');
    expect(refused.error.extensions).toMatchObject({ reason: 'CIRCUIT_OPEN', providerCode: null });
    expect(expectHint(refused.page, refused.error, 'UPSTREAM_UNAVAILABLE')).toBeLessThanOrEqual(untilProbe);
    expect(refused.error.message).toMatch(/circuit breaker is open/);
    expect(kms.calls('ListSecrets'), 'a refusal makes no call').toBe(calls);

    // As told: the probe goes, fails, and the breaker opens for twice as long.
    await sleep(refused.error.extensions!.retryAfterMs as number);
    const probe = await failedPage(stack, 'kms');
    expect(kms.calls('ListSecrets')).toBe(calls + 1);
    expect(probe.error.extensions).not.toHaveProperty('reason');
    const longer = expectHint(probe.page, probe.error, 'UPSTREAM_UNAVAILABLE');
    expect(longer).toBeGreaterThan(1500);
    expect(longer).toBeLessThanOrEqual(2000);
    const refusedAgain = await failedPage(stack, 'kms');
    expect(refusedAgain.error.extensions?.reason).toBe('CIRCUIT_OPEN');
    expect(kms.calls('ListSecrets')).toBe(calls + 1);

    kms.setFaults({ serverErrorRate: 0 });
    await sleep(refusedAgain.error.extensions!.retryAfterMs as number);
    const recovered = await stack.execute(RetryContractPageDocument, { first: 5, filter: { sources: [SOURCE.kms] } });
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data!.secrets.edges).toHaveLength(5);
    expect(await breakerOf(stack, SOURCE.kms)).toBe('closed');
  });
});

describe('the rate limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        config.server.requestDeadlineMs = 1000;
        config.sources.find((s) => s.id === SOURCE.kms)!.rateLimit = { perSecond: 0.25, burst: 1 };
      },
    });
  });
  afterAll(() => stack.close());

  it("a call the source's rate limit would hold past the deadline is refused without a call, with the limiter's wait", async () => {
    const first = await stack.execute(RetryContractPageDocument, { first: 5, filter: { sources: [SOURCE.kms] } });
    expect(first.errors).toBeUndefined();
    const calls = stack.calls('kms', 'ListSecrets');
    const { page, error } = await failedPage(stack, 'kms');
    expect(error.message).toMatch(/rate limit/);
    const hint = expectHint(page, error, 'UPSTREAM_THROTTLED');
    // One token every 4 s, and the last one was just taken; the wait is past the 1 s deadline.
    expect(hint).toBeGreaterThan(1000);
    expect(hint).toBeLessThanOrEqual(4000);
    expect(stack.calls('kms', 'ListSecrets')).toBe(calls);
    await sleep(hint);
    expect(
      (await stack.execute(RetryContractPageDocument, { first: 5, filter: { sources: [SOURCE.kms] } })).errors,
    ).toBeUndefined();
  });
});
