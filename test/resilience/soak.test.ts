import { writeFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE } from '../helpers/expected.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * A bounded soak: concurrent portal-like queries on loopback for SOAK_SECONDS (default 60) while
 * every emulator throttles, fails and lags. It must end with no 5xx, no unhandled rejection, and a
 * heap that levels off. Figures go to .bench/soak.json for the notes.
 */
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const WORKERS = 8;

const QUERIES = [
  `{ secrets(first: 50) { totalCount pageInfo { endCursor } nodes { id name provider } sourceStates { status } } }`,
  `{ secrets(first: 20, filter: { sources: ["${SOURCE.sae}"], namespaces: ["cn-hangzhou:prod"] }) { nodes { name ... on SaeSecret { dataKeys relatedApps { appName } } } } }`,
  `{ secrets(first: 30, filter: { providers: [ALIBABA_KMS], tags: [{ key: "env" }] }) { nodes { name ... on KmsSecret { tags { key value } description } } } }`,
  `{ secrets(first: 40, filter: { providers: [HUAWEI_CSMS], states: ["ENABLED"] }) { nodes { name ... on CsmsSecret { state } } } }`,
  `{ namespaces { namespaceId name relatedApps { appName } } }`,
  `{ secrets(first: 25, filter: { gatewayType: AI }) { totalCount nodes { name } } }`,
];

describe(`soak: ${SECONDS} s of concurrent queries with faults injected`, () => {
  let stack: Stack;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    stack = await startStack({
      captureLogs: false,
      configure: (config) => {
        for (const source of config.sources) source.retry = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50 };
      },
    });
    for (const server of Object.values(stack.emulators.servers))
      server.setFaults({ throttleRate: 0.1, serverErrorRate: 0.03, latencyMs: 2 });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await stack.close();
  });

  it(
    'no 5xx, no unhandled rejection, and memory that levels off',
    async () => {
      const statuses = new Map<number, number>();
      let requests = 0;
      let withErrors = 0;
      const heap: Array<{ t: number; heapMB: number; rssMB: number }> = [];
      const started = Date.now();
      const end = started + SECONDS * 1000;
      // With --expose-gc (vitest.config.ts) each sample is taken after a full collection: live memory only.
      const gc = (globalThis as { gc?: () => void }).gc;
      const sampler = setInterval(() => {
        gc?.();
        const m = process.memoryUsage();
        heap.push({
          t: Math.round((Date.now() - started) / 1000),
          heapMB: m.heapUsed / 2 ** 20,
          rssMB: m.rss / 2 ** 20,
        });
      }, 1000);

      const worker = async (id: number) => {
        for (let i = id; Date.now() < end; i++) {
          const response = await fetch(`${stack.server.url}/graphql`, {
            method: 'POST',
            headers: { ...stack.authHeaders, 'content-type': 'application/json' },
            body: JSON.stringify({ query: QUERIES[i % QUERIES.length] }),
          });
          const body = (await response.json()) as { errors?: unknown[] };
          requests++;
          if (body.errors?.length) withErrors++;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
      clearInterval(sampler);

      const quarter = Math.floor(heap.length / 4);
      const mean = (xs: typeof heap) => xs.reduce((n, x) => n + x.heapMB, 0) / xs.length;
      const second = mean(heap.slice(quarter, 2 * quarter));
      const last = mean(heap.slice(3 * quarter));
      const upstream = Object.fromEntries(
        Object.entries(stack.emulators.servers).map(([name, s]) => [name, s.getStats().operations]),
      );
      const figures = {
        seconds: SECONDS,
        workers: WORKERS,
        requests,
        requestsPerSecond: Math.round(requests / SECONDS),
        responsesWithPartialErrors: withErrors,
        statuses: Object.fromEntries(statuses),
        unhandledRejections: unhandled.length,
        heapMB: {
          secondQuarter: Math.round(second),
          lastQuarter: Math.round(last),
          peakRss: Math.round(Math.max(...heap.map((h) => h.rssMB))),
        },
        upstream,
      };
      mkdirSync('.bench', { recursive: true });
      writeFileSync('.bench/soak.json', JSON.stringify(figures, null, 2));
      console.log(JSON.stringify({ ...figures, upstream: undefined }));

      // That the soak did load the gateway, not how fast (a busy CI machine ran ~10/s): speed is `npm run bench`'s.
      expect(requests).toBeGreaterThan(SECONDS * 2);
      expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
      expect(unhandled).toEqual([]);
      // Levels off: live heap in the last quarter is within 10% (+5 MB of noise) of the second quarter's.
      expect(gc).toBeDefined();
      expect(last).toBeLessThan(second * 1.1 + 5);
    },
    (SECONDS + 60) * 1000,
  );
});
