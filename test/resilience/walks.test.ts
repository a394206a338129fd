import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Faults } from '../../src/emulators/core.js';
import { WalkPageDocument, type Provider, type SecretFilter, type WalkPageQuery } from '../generated/graphql.js';
import { expectedKeys, keyOfGlobalId, type ProviderKey } from '../helpers/expected.js';
import { startStack, type ExecuteResult, type Stack } from '../helpers/stack.js';

/**
 * Walks as a Relay client makes them: follow `endCursor` (or `startCursor` backward) through every
 * page, including pages that stopped early because a source failed, until `hasNextPage` is false.
 * Under any fault schedule the client must get every matching secret exactly once, and must never
 * be told the walk is over before it is.
 */

/** Fixed so that CI repeats the same cases; WALK_SEED explores others. */
const SEED = Number(process.env.WALK_SEED ?? 20261201);
const PROVIDERS: ProviderKey[] = ['sae', 'apig', 'kms', 'csms', 'aws'];
const ENUM: Record<ProviderKey, Provider> = {
  sae: 'ALIBABA_SAE',
  apig: 'ALIBABA_APIG',
  kms: 'ALIBABA_KMS',
  csms: 'HUAWEI_CSMS',
  aws: 'AWS_SECRETS_MANAGER',
};
/** A client gives up on a walk after this many requests: far above what any schedule here needs. */
const MAX_REQUESTS = 3000;

type OutageKind = 'throttle' | '5xx' | 'hang' | 'html-502' | 'truncated-json';

interface FaultPlan {
  throttleRate: number;
  serverErrorRate: number;
  /** Every call fails this way while the client makes requests [from, from + length). */
  outage: { from: number; length: number; kind: OutageKind } | null;
}

interface WalkOptions {
  size: number;
  backward: boolean;
  filter: SecretFilter;
  /** Called before each request with its index, to move the fault schedule on. */
  beforeRequest?: (index: number) => void;
}

interface WalkResult {
  keys: string[];
  requests: number;
  interrupted: number;
}

const OUTAGE: Record<OutageKind, Partial<Faults>> = {
  throttle: { throttleRate: 1 },
  '5xx': { serverErrorRate: 1 },
  hang: { hang: true },
  'html-502': { malformed: 'html-502' },
  'truncated-json': { malformed: 'truncated-json' },
};

function faultsAt(plan: FaultPlan, index: number): Faults {
  const base: Faults = {
    latencyMs: 0,
    throttleRate: plan.throttleRate,
    serverErrorRate: plan.serverErrorRate,
    hang: false,
    malformed: null,
  };
  const { outage } = plan;
  return outage && index >= outage.from && index < outage.from + outage.length
    ? { ...base, ...OUTAGE[outage.kind] }
    : base;
}

/** The client: checks every page's promises as it goes and returns what it collected. */
async function walk(stack: Stack, options: WalkOptions): Promise<WalkResult> {
  const { size, backward, filter } = options;
  const keys: string[] = [];
  let cursor: string | null = null;
  let interrupted = 0;
  for (let request = 0; request < MAX_REQUESTS; request++) {
    options.beforeRequest?.(request);
    const result: ExecuteResult<WalkPageQuery> = await stack.execute(
      WalkPageDocument,
      backward ? { last: size, before: cursor, filter } : { first: size, after: cursor, filter },
    );
    expect(result.status).toBe(200);
    const page = result.data?.secrets;
    if (!page) throw new Error(`no page: ${JSON.stringify(result.errors)}`);
    const pageKeys = page.edges.map((e) => keyOfGlobalId(e.node.id));
    if (backward) keys.unshift(...pageKeys);
    else keys.push(...pageKeys);
    const more = backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage;
    if (page.interruption) {
      interrupted++;
      // A page that stopped early says so, in the page and in `errors`, and always offers a way on.
      expect(more).toBe(true);
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual([page.interruption.code]);
      expect(result.errors?.[0]?.extensions?.provider).toBe(page.interruption.provider);
    } else {
      expect(result.errors).toBeUndefined();
      expect(page.edges.length === size || !more).toBe(true);
    }
    if (!more) return { keys, requests: request + 1, interrupted };
    const next: string | null | undefined = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
    expect(next, 'a page with more to come has a cursor to go on from').toEqual(expect.any(String));
    cursor = next;
  }
  throw new Error(`the walk did not end within ${MAX_REQUESTS} requests`);
}

function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((key) => seen.has(key) || !seen.add(key));
}

describe('walks through faults (property-based, seeded)', () => {
  let stack: Stack;
  /** What each filter matches, read once without faults. */
  const oracle = new Map<string, string[]>();

  const expectedFor = async (filter: SecretFilter): Promise<string[]> => {
    const key = JSON.stringify(filter);
    if (!oracle.has(key)) {
      setFaults(() => ({ latencyMs: 0, throttleRate: 0, serverErrorRate: 0, hang: false, malformed: null }));
      oracle.set(key, (await walk(stack, { size: 100, backward: false, filter })).keys);
    }
    return oracle.get(key)!;
  };

  const setFaults = (faultsOf: (provider: ProviderKey) => Faults) => {
    for (const provider of PROVIDERS) stack.emulators.servers[provider].setFaults(faultsOf(provider));
  };

  beforeAll(async () => {
    stack = await startStack({
      scale: 0.05,
      configure: (config) => {
        config.server.requestDeadlineMs = 2000;
        for (const source of config.sources) {
          source.timeoutMs = 150;
          source.retry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
          source.circuitBreaker = { failureThreshold: 5, halfOpenAfterMs: 100 };
          source.rateLimit = { perSecond: 10_000, burst: 10_000 };
        }
      },
    });
  });
  afterAll(() => stack?.close());

  it('the fault-free walk of the whole inventory is the concatenation of every source (the oracle is sound)', async () => {
    expect(await expectedFor({})).toEqual(PROVIDERS.flatMap((p) => expectedKeys(stack.emulators, p)));
  });

  // Shrunk counter-example of the property below (seed 20261201): SAE's namespace list answering
  // an HTML 502 while the cursor stood inside an SAE namespace sent the walk back to SAE's start.
  it('regression: namespace discovery failing mid-source keeps the cursor where it was (no repeats)', async () => {
    const plan: FaultPlan = { throttleRate: 0, serverErrorRate: 0, outage: { from: 2, length: 3, kind: 'html-502' } };
    const filter: SecretFilter = { providers: ['ALIBABA_SAE', 'HUAWEI_CSMS'] };
    try {
      const result = await walk(stack, {
        size: 1,
        backward: false,
        filter,
        beforeRequest: (index) => stack.emulators.servers.sae.setFaults(faultsAt(plan, index)),
      });
      expect(result.interrupted).toBe(3);
      expect(result.keys).toEqual(await expectedFor(filter));
    } finally {
      stack.emulators.reset();
    }
  });

  const faultPlan: fc.Arbitrary<FaultPlan> = fc.record({
    throttleRate: fc.constantFrom(0, 0.2, 0.5),
    serverErrorRate: fc.constantFrom(0, 0.05, 0.2),
    outage: fc.option(
      fc.record({
        from: fc.nat({ max: 20 }),
        length: fc.integer({ min: 1, max: 5 }),
        kind: fc.constantFrom<OutageKind>('throttle', '5xx', 'hang', 'html-502', 'truncated-json'),
      }),
      { nil: null },
    ),
  });

  // Mostly whole providers, sometimes narrowed by a filter the gateway applies itself.
  const filterArb = fc.record({
    providers: fc.subarray(PROVIDERS, { minLength: 1 }),
    narrowing: fc.constantFrom<Omit<SecretFilter, 'providers'>>(
      {},
      {},
      {},
      { nameContains: 'a' },
      { nameContains: 'prod' },
      { states: ['ENABLED', 'ENABLE'] },
    ),
  });

  it('every matching secret exactly once, and no early end, under random faults, page sizes, directions and filters', {
    timeout: 300_000,
  }, async () => {
    const runs: Array<{ requests: number; interrupted: number; matched: number }> = [];
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          size: fc.constantFrom(1, 7, 100),
          backward: fc.boolean(),
          filter: filterArb,
          faults: fc.record({ sae: faultPlan, apig: faultPlan, kms: faultPlan, csms: faultPlan, aws: faultPlan }),
        }),
        async ({ size, backward, filter, faults }) => {
          // CSMS (marker) and AWS (token) page forward only: walking them backward is refused with a code, tested elsewhere.
          const providers = backward ? filter.providers.filter((p) => p !== 'csms' && p !== 'aws') : filter.providers;
          fc.pre(providers.length > 0);
          const query: SecretFilter = { ...filter.narrowing, providers: providers.map((p) => ENUM[p]) };
          const expected = await expectedFor(query);
          const started = Date.now();
          if (process.env.WALK_DEBUG) console.log('run', JSON.stringify({ size, backward, query, faults }));
          try {
            const result = await walk(stack, {
              size,
              backward,
              filter: query,
              beforeRequest: (index) => setFaults((p) => faultsAt(faults[p], index)),
            });
            expect(duplicates(result.keys)).toEqual([]);
            expect(result.keys).toEqual(expected);
            runs.push({ requests: result.requests, interrupted: result.interrupted, matched: expected.length });
            if (process.env.WALK_DEBUG)
              console.log('  ok', result.requests, result.interrupted, expected.length, Date.now() - started, 'ms');
          } catch (error) {
            if (process.env.WALK_DEBUG) console.log('  FAILED', String(error).slice(0, 1500), (error as any)?.cause);
            throw error;
          } finally {
            stack.emulators.reset();
          }
        },
      ),
      { seed: SEED, numRuns: Number(process.env.WALK_RUNS ?? 50) },
    );
    // The schedules must really interrupt walks, or the property says nothing about failures.
    expect(runs.filter((r) => r.interrupted > 0).length).toBeGreaterThan(runs.length / 3);
    console.info(
      `walk property: seed ${SEED}, ${runs.length} walks, ${runs.reduce((a, r) => a + r.requests, 0)} requests, ${runs.reduce((a, r) => a + r.interrupted, 0)} interrupted pages`,
    );
  });
});

describe('the demo inventory under 20% throttling and 5% server errors on every provider', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources) {
          // The default policy's attempts and breaker; short waits and no rate limit, to keep the suite fast.
          source.retry = { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 20 };
          source.rateLimit = { perSecond: 10_000, burst: 10_000 };
        }
      },
    });
  });
  afterAll(() => stack?.close());

  for (const size of [7, 100]) {
    it(`first ${size} across every source: the client gets the whole inventory, each secret once`, async () => {
      const inventory = PROVIDERS.flatMap((p) => expectedKeys(stack.emulators, p));
      for (const server of Object.values(stack.emulators.servers))
        server.setFaults({ throttleRate: 0.2, serverErrorRate: 0.05 });
      try {
        const result = await walk(stack, { size, backward: false, filter: {} });
        expect(duplicates(result.keys)).toEqual([]);
        expect(result.keys).toEqual(inventory);
        console.info(
          `first ${size}: ${new Set(result.keys).size} of ${inventory.length} secrets, ${result.requests} requests, ${result.interrupted} pages stopped early`,
        );
      } finally {
        stack.emulators.reset();
      }
    });
  }
});
