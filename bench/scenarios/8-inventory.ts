// Over 400 lines because its seven measurements share one set of emulators and gateways; to split by measurement (as bench/scenarios/6 and 7 do with bench/lib) next.
/**
 * Scenario 8: the inventory (issue 18) with the emulators scaled to about 100,000 secrets, the same
 * number per provider, at --export-latency (20 ms). Emulators and gateways of its own, each in a
 * child process; the gateways serve the index with the metadata cache off (so that no whole-response
 * cache answers in front of it). In order:
 *
 * 1. the first full sync: list calls (the inventory's and the emulators' counts) against the
 *    minimum, and wall time against the list-chain bound (plan.ts exportMinimum), ≤ 1.2x;
 * 2. search pages (`search` + `orderBy: UPDATED_AT DESC`, first: 50) for terms of different
 *    selectivity, sequential and warm: p99 ≤ 25 ms;
 * 3. a page of 50 and a search page under load against bare graphql-yoga serving the same body
 *    (scenario 6's reference): ≥ 0.8x its throughput;
 * 5. mixed queries (pages, searches, counts, node lookups) at 1 to 200 requests/s: ListSecrets calls
 *    per minute at each level, split into the syncs' calls and the rest (which must be 0);
 * 7a. a full export (first: 100, following endCursor) from a FRESH index against the hand-written
 *    SDK export (largest pages, page-number pages in parallel), taking turns;
 * 6. a secret created at the cloud, until `secrets(filter: { search })` shows it, with a gateway
 *    syncing every 5 s (and the feed and a subscriber, where the schema has them): refreshMs + 1 s;
 * 7b. cold start to full export: a new gateway, its first sync, then the export; against the SDK.
 *    Each cold start is one more first-sync sample for part 1.
 * 7c. cold start with the export begun at once, three turns each followed by the SDK export: the
 *    median turn against the proposed ≤ 1.5x, and the CPU each process used.
 * 4. peak RSS of every inventory gateway (the kernel's high-water mark): ≤ 400 MB.
 */
import { PROVIDER_DEMOS } from '../../src/emulators/index.js';
import { DEFAULT_CACHE } from '../../src/config.js';
import type { Bench, Emulators, Gateway, JsonObject, RunScenario, ScenarioReport } from '../lib/bench.js';
import { walk } from '../lib/cases.js';
import { SOURCE_IDS } from '../lib/config.js';
import { LIST_FIELDS, PAGE_QUERY, post, problemsOf, requestBody, requestHeaders } from '../lib/graphql.js';
import { load } from '../lib/load.js';
import { exportMinimum, lowerBoundMs, sdkExportTargets, segments, type Minimum } from '../lib/plan.js';
import { cpuMs, cpuSnapshot, foreignShare, peakRssMb, ROOT, rssMb, stopChild } from '../lib/processes.js';
import { summarizeProfile } from '../lib/profile.js';
import { fmt, median, type Row, type TargetResult } from '../lib/report.js';
import { takeTurns, type TurnRun } from '../lib/turns.js';
import { PROVIDER_KEYS, type InventorySummary, type ProviderKey, type UpstreamStats } from '../lib/types.js';
import { readHeap, type HeapReading } from './6-throughput.js';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** The main gateway syncs as often as the embedded demo does. */
const REFRESH_MS = 30_000;
/** Cold starts with the export begun at once, each followed by the SDK export (one with --quick). */
const AT_ONCE_TURNS = 3;
/** The bound proposed for it (BENCHMARKS.md, "What each target comes to"). */
const AT_ONCE_TARGET = 1.5;
/**
 * The change-propagation gateway syncs this often by default (--s8-refresh-ms), so that part 6 takes
 * seconds. At 100,000 secrets the AWS chain's sync takes longer than 5 s: its syncs then run back to
 * back, and a change waits for the running one to end rather than for a period.
 */
const PROPAGATION_REFRESH_MS = 5_000;
const SYNC_TARGET = 1.2;
const SEARCH_P99_MS = 25;
const THROUGHPUT_TARGET = 0.8;
const RSS_TARGET_MB = 400;
/** Requests per second of part 5's levels. */
const LEVELS = [1, 10, 50, 100, 200];
/**
 * No ListSecrets call for this long, none in flight: no sync is under way. Longer than the longest
 * pause inside a sync (a page refused for want of a free slot waits up to 1 s before asking again).
 */
const QUIET_MS = 1200;
/** Search terms from common to absent; their match counts are read from `secretCounts` in the run. */
const SEARCH_TERMS = ['prod', 'redis', 'canary', 'gateway_migration', 'no-such-secret'];
/** The search page of parts 3 and 5. */
export const LOAD_TERM = 'redis';

const INVENTORY_QUERY = /* GraphQL */ `
  { inventory { sources { source { id } state syncedAt secretCount listCalls lastError { code message } } } }`;

export const SEARCH_QUERY = /* GraphQL */ `
  query BenchSearch($term: String!, $first: Int!) {
    secrets(first: $first, filter: { search: $term }, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
      asOf
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...ListFields } }
    }
  }
  ${LIST_FIELDS}`;

/** The live path, for comparison: the same page and search read from the clouds now (`live: true`). */
const LIVE_PAGE_QUERY = /* GraphQL */ `
  query BenchLivePage($first: Int!) {
    secrets(first: $first, live: true) { asOf edges { cursor node { ...ListFields } } }
  }
  ${LIST_FIELDS}`;

const LIVE_SEARCH_QUERY = /* GraphQL */ `
  query BenchLiveSearch($term: String!, $first: Int!) {
    secrets(first: $first, live: true, filter: { search: $term }, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
      asOf
      edges { cursor node { ...ListFields } }
    }
  }
  ${LIST_FIELDS}`;

const ORDERED_PAGE_QUERY = /* GraphQL */ `
  query BenchOrdered($first: Int!) {
    secrets(first: $first, orderBy: [{ field: NAME }]) {
      asOf
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...ListFields } }
    }
  }
  ${LIST_FIELDS}`;

const COUNTS_QUERY = /* GraphQL */ `
  query BenchCounts($term: String) {
    secretCounts(filter: { search: $term }) {
      total
      byProvider { provider count }
      bySource { source { id } count }
      byState { state count }
    }
  }`;

const NODE_QUERY = /* GraphQL */ `
  query BenchNode($id: ID!) { node(id: $id) { ...ListFields } }
  ${LIST_FIELDS}`;

/** Names found by a search, for part 6. */
/** Only sources whose index is FRESH are searched: a stale one would be read live, which sees any change at once. */
const FOUND_QUERY = /* GraphQL */ `
  query BenchFound($term: String!, $sources: [ID!]) {
    secrets(first: 10, filter: { search: $term, sources: $sources }) { edges { node { name } } }
  }`;

const SCHEMA_QUERY = /* GraphQL */ `
  { __schema { queryType { fields { name } } subscriptionType { fields { name } } } }`;

const FEED_QUERY = /* GraphQL */ `
  query BenchFeed($since: DateTime!, $term: String!) {
    secretChanges(first: 20, since: $since, filter: { search: $term }) { edges { node { kind at ref { name } } } }
  }`;

const SUBSCRIPTION = /* GraphQL */ `
  subscription BenchChanged($term: String!) { secretChanged(filter: { search: $term }) { kind at ref { name } } }`;

interface SourceSync {
  source: { id: string };
  state: 'SYNCING' | 'FRESH' | 'STALE' | 'FAILED';
  syncedAt: string | null;
  secretCount: number | null;
  listCalls: number | null;
  lastError: { code: string; message: string } | null;
}

interface FirstSync {
  /** Which gateway: the main one or a cold start of part 7. */
  gateway: string;
  /** From the first source's sync start to the last source FRESH (polled every 25 ms). */
  wallMs: number;
  boundMs: number;
  minimum: Minimum;
  /** The inventory's own count (`listCalls`) and the emulators' ListSecrets counts. */
  listCalls: number;
  emulatorListCalls: number;
  perSource: Array<{
    provider: ProviderKey;
    secretCount: number;
    wallMs: number;
    boundMs: number;
    listCalls: number;
    emulatorListCalls: number;
    minimumCalls: number;
  }>;
  problems: string[];
}

interface SearchLatency {
  term: string;
  matches: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  problems: string[];
}

/** One request on the live path: its time and the ListSecrets calls it made (the syncs' left out). */
interface LiveRead {
  name: string;
  ms: number;
  listCalls: number;
  problems: string[];
}

interface LoadLevel {
  rate: number;
  connections: number;
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  windowMs: number;
  listCalls: number;
  syncs: number;
  syncListCalls: number;
  /** ListSecrets calls no sync accounts for: what the queries cost the clouds. */
  otherCalls: number;
  callsPerMinute: number;
  otherCallsPerMinute: number;
  /** Whether the window began and ended with no sync under way (else the split may be off by one sync). */
  quietBounds: boolean;
}

interface Propagation {
  provider: ProviderKey;
  sample: number;
  /** From the create to the first search that returns it, to the feed, to the subscriber. */
  searchMs: number | null;
  feedMs: number | null;
  subscriberMs: number | null;
  /** From the create to when the gateway found it (the change's `at`: its page's arrival): what refreshMs and the sync decide. */
  foundMs: number | null;
  /** From the end of that sync to the feed's first page with it, and to the subscriber's event: what the gateway adds. */
  feedAfterSyncMs: number | null;
  subscriberAfterSyncMs: number | null;
}

interface ExportRun {
  /** Sum of the page requests' times (the walk), ms. */
  walkMs: number;
  rows: number;
  /** ListSecrets calls from the walk's start to the next quiet moment, and those the syncs made. */
  listCalls: number;
  syncListCalls: number;
  problems: string[];
}

interface ColdStart {
  /** Spawn to /healthz. */
  bootMs: number;
  /** /healthz to every source FRESH. */
  syncMs: number;
  exportMs: number;
  /** /healthz to the last page: what a client starting with the gateway waits. */
  totalMs: number;
  rows: number;
  problems: string[];
}

/**
 * A cold gateway with the shipped cache policy whose export begins as soon as it answers: each
 * source from its index once fresh, the others live while their first syncs run.
 */
interface ColdAtOnce {
  ms: number;
  listCalls: number;
  syncCalls: number;
  sdkMs: number;
  problems: string[];
  /** CPU time (ms) each process used during the walk (the client is this process), and during the SDK export. */
  cores: number;
  cpuMs: Record<string, number>;
  sdkCpuMs: Record<string, number>;
}

interface InventoryResult {
  inventory: InventorySummary;
  total: number;
  latencyMs: number;
  syncs: FirstSync[];
  searches: SearchLatency[];
  /** The first search page the main gateway answered after its first sync (it sorts the order and builds the set's search text). */
  firstSearchMs: number;
  live: LiveRead[];
  /** `cached`: a gateway with the shipped whole-response cache (keyed on the index's state) in front of the index. */
  throughput: Array<{ name: string; gateway: TurnRun; cached: TurnRun | null; bare: TurnRun; sameResponse: boolean }>;
  levels: LoadLevel[];
  propagation: {
    refreshMs: number;
    samples: Propagation[];
    feed: boolean;
    subscription: boolean;
    /** Each source's sync time on that gateway (ms, median; seen as its syncedAt changes, polled every 50 ms or so). */
    syncMs: Partial<Record<ProviderKey, number>>;
    /** Share of the polls that found each source not FRESH (its sync longer than refreshMs: reads went live). */
    notFreshShare: Record<ProviderKey, number>;
    problems: string[];
  };
  /** `warmUpSdkMs`: the SDK export run before the first sync (cold emulators), not counted in `sdkMs`. */
  exportFresh: { gateway: ExportRun[]; sdkMs: number[]; sdkRows: number; sdkCalls: number; warmUpSdkMs: number };
  coldStarts: Array<ColdStart & { sdkMs: number }>;
  /** The median of `turns` by its ratio to the SDK export (each turn a new gateway, then the SDK export). */
  coldAtOnce: (ColdAtOnce & { turns: Array<{ ms: number; sdkMs: number; problems: string[] }> }) | null;
  memory: Array<{ gateway: string; peakRssMb: number | null; rssMb: number | null; heap: HeapReading | null }>;
  noise: ReturnType<typeof foreignShare>;
  /** --profile: where the main gateway's CPU went in each part. */
  profiles: Array<{ title: string; text: string }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const listCallsOf = (stats: UpstreamStats, provider?: ProviderKey) =>
  (provider ? [stats[provider]] : Object.values(stats)).reduce((n, s) => n + (s.operations.ListSecrets ?? 0), 0);
const providerOf = (sourceId: string) => PROVIDER_KEYS.find((p) => SOURCE_IDS[p] === sourceId)!;
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;

async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, timeoutMs?: number) {
  const result = await post(url, requestBody(query, variables), timeoutMs);
  const problems = problemsOf(result);
  if (problems.length) throw new Error(`${problems.join('; ')}`);
  return { data: result.body!.data, ms: result.ms };
}

/**
 * Two gateways syncing at once share this machine's cores, and a first sync measured then measures
 * both: if a source of `running` is due to sync again within `windowMs` (a boot and a first sync),
 * waits until that sync has ended and the emulators are quiet.
 */
async function clearOfSyncs(
  running: Gateway,
  emulators: Emulators,
  refreshMs: number,
  windowMs = 15_000,
): Promise<void> {
  const due = new Map<string, number>();
  for (const s of await syncStates(running.url)) {
    const next = Date.parse(s.syncedAt ?? '') + refreshMs;
    if (next - Date.now() < windowMs) due.set(s.source.id, next);
  }
  if (due.size === 0) return;
  const deadline = Date.now() + windowMs + 120_000;
  for (;;) {
    const states = await syncStates(running.url);
    const over = states.every((s) => {
      const next = due.get(s.source.id);
      return next === undefined || (s.state === 'FRESH' && Date.parse(s.syncedAt ?? '') >= next - 1000);
    });
    if (over) break;
    if (Date.now() > deadline) throw new Error(`gateway ${running.name}: its periodic sync did not end`);
    await sleep(100);
  }
  await emulators.settle(1200);
}

export async function syncStates(url: string): Promise<SourceSync[]> {
  return (await graphql(url, INVENTORY_QUERY)).data.inventory.sources as SourceSync[];
}

/**
 * Per provider, the scale that seeds about `perProvider` listed secrets (the seeds grow linearly:
 * counted once at scale 1).
 */
export function inventoryScales(perProvider: number): Record<ProviderKey, number> {
  const scales = {} as Record<ProviderKey, number>;
  for (const demo of PROVIDER_DEMOS) {
    const secrets = (demo.seed({ scale: 1 }) as { secrets: Array<{ deletedMs?: number | null }> }).secrets;
    // AWS lists no secret scheduled for deletion.
    const listed = secrets.filter((s) => s.deletedMs === undefined || s.deletedMs === null).length;
    scales[demo.key] = perProvider / listed;
  }
  return scales;
}

function totalOf(inventory: InventorySummary): number {
  return (
    inventory.sae.namespaces.reduce((n, x) => n + x.count, 0) +
    inventory.apig.total +
    inventory.kms.total +
    inventory.csms.total +
    inventory.aws.total
  );
}

/**
 * Part 1: polls `inventory` every 25 ms from the gateway's start until every source is FRESH. A sync
 * starts at its `syncedAt`; it ends when the poll first sees the source FRESH.
 */
async function firstSync(
  bench: Bench,
  emulators: Emulators,
  inv: InventorySummary,
  gateway: Gateway,
  latencyMs: number,
): Promise<FirstSync> {
  // Each source's emulator calls are read when it turns FRESH: a short refreshMs starts its next sync soon after.
  const done = new Map<string, { at: number; sync: SourceSync; calls: number }>();
  const problems: string[] = [];
  const deadline = Date.now() + 180_000;
  while (done.size < PROVIDER_KEYS.length) {
    if (Date.now() > deadline) throw new Error(`gateway ${gateway.name}: the first sync did not finish in 180 s`);
    const sources = await syncStates(gateway.url);
    const now = Date.now();
    const stats = await emulators.stats();
    for (const s of sources) {
      if (done.has(s.source.id) || (s.state !== 'FRESH' && s.state !== 'FAILED')) continue;
      if (s.state === 'FAILED') problems.push(`${s.source.id} FAILED: ${s.lastError?.code}`);
      done.set(s.source.id, { at: now, sync: s, calls: listCallsOf(stats, providerOf(s.source.id)) });
    }
    await sleep(25);
  }
  const minimum = exportMinimum(segments(inv), bench.limits);
  const started = Math.min(...[...done.values()].map((d) => Date.parse(d.sync.syncedAt ?? '')));
  const perSource = [...done.values()].map(({ at, sync, calls }) => {
    const provider = providerOf(sync.source.id);
    const own = exportMinimum(segments(inv, [provider]), bench.limits);
    return {
      provider,
      secretCount: sync.secretCount ?? 0,
      wallMs: at - Date.parse(sync.syncedAt ?? ''),
      boundMs: lowerBoundMs(own, latencyMs, bench.limits),
      listCalls: sync.listCalls ?? 0,
      emulatorListCalls: calls,
      minimumCalls: own.calls,
    };
  });
  perSource.sort((a, b) => PROVIDER_KEYS.indexOf(a.provider) - PROVIDER_KEYS.indexOf(b.provider));
  const result: FirstSync = {
    gateway: gateway.name,
    wallMs: Math.max(...[...done.values()].map((d) => d.at)) - started,
    boundMs: lowerBoundMs(minimum, latencyMs, bench.limits),
    minimum,
    listCalls: perSource.reduce((n, s) => n + s.listCalls, 0),
    emulatorListCalls: perSource.reduce((n, s) => n + s.emulatorListCalls, 0),
    perSource,
    problems,
  };
  bench.progress(
    `  s8 first sync (${gateway.name}): ${fmt(result.wallMs)} ms vs bound ${fmt(result.boundMs)} ms = ${(result.wallMs / result.boundMs).toFixed(2)}x; list calls ${result.listCalls} (emulators ${result.emulatorListCalls}) vs minimum ${minimum.calls}; ${perSource.map((s) => `${s.provider} ${fmt(s.wallMs)} ms/${s.listCalls} calls`).join(', ')}`,
  );
  return result;
}

/** Part 2: sequential search pages per term, after a warm-up. */
async function searchLatency(bench: Bench, url: string, requests: number): Promise<SearchLatency[]> {
  const out: SearchLatency[] = [];
  for (const term of SEARCH_TERMS) {
    const matches = (await graphql(url, COUNTS_QUERY, { term })).data.secretCounts.total as number;
    const body = requestBody(SEARCH_QUERY, { term, first: 50 });
    const problems: string[] = [];
    for (let i = 0; i < 10; i++) await post(url, body);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const result = await post(url, body);
      times.push(result.ms);
      problems.push(...problemsOf(result));
      const connection = result.body?.data?.secrets;
      if (connection && connection.edges.length !== Math.min(50, matches))
        problems.push(`expected ${Math.min(50, matches)} edges, got ${connection.edges.length}`);
      if (connection && !connection.asOf) problems.push('asOf is null: not served from the index');
    }
    times.sort((a, b) => a - b);
    const s: SearchLatency = {
      term,
      matches,
      requests,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      maxMs: times.at(-1)!,
      problems: [...new Set(problems)],
    };
    out.push(s);
    bench.progress(
      `  s8 search "${term}" (${matches} matches): p50 ${fmt(s.p50Ms, 1)} ms, p99 ${fmt(s.p99Ms, 1)} ms, max ${fmt(s.maxMs, 1)} ms${s.problems.length ? ` PROBLEMS: ${s.problems.join('; ')}` : ''}`,
    );
  }
  return out;
}

/** Part 2, beside it: the same page and search on the live path (`live: true`, cache off), once each, between quiet moments. */
async function livePath(bench: Bench, emulators: Emulators, gateway: Gateway): Promise<LiveRead[]> {
  const watcher = new SyncWatcher(gateway.url);
  await watcher.start();
  const out: LiveRead[] = [];
  const reads = [
    { name: 'page of 50, live', body: requestBody(LIVE_PAGE_QUERY, { first: 50 }) },
    {
      name: `search "${LOAD_TERM}", UPDATED_AT DESC, live`,
      body: requestBody(LIVE_SEARCH_QUERY, { term: LOAD_TERM, first: 50 }),
    },
  ];
  for (const { name, body } of reads) {
    await quiet(emulators);
    const t0 = Date.now();
    const calls0 = listCallsOf(await emulators.stats());
    const result = await post(gateway.url, body);
    await quiet(emulators);
    const calls = listCallsOf(await emulators.stats()) - calls0;
    await sleep(300);
    const live: LiveRead = {
      name,
      ms: result.ms,
      listCalls: calls - watcher.between(t0, Date.now()).listCalls,
      problems: problemsOf(result),
    };
    out.push(live);
    bench.progress(
      `  s8 ${name}: ${fmt(live.ms)} ms, ${live.listCalls} ListSecrets${live.problems.length ? ` PROBLEMS: ${live.problems.join('; ')}` : ''}`,
    );
  }
  await watcher.stop();
  return out;
}

/** Part 3: the gateway's index page against bare yoga serving the same body, taking turns. */
async function throughput(
  bench: Bench,
  emulators: Emulators,
  gateway: Gateway,
  cached: Gateway | null,
): Promise<InventoryResult['throughput']> {
  const { options } = bench;
  const bare = await bench.startChild('bench/children/bare-yoga.ts', 'bare-yoga-inventory');
  const typeDefs = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
  const bodies = [
    { name: 'index page of 50', body: requestBody(PAGE_QUERY, { first: 50 }) },
    {
      name: `search page "${LOAD_TERM}", UPDATED_AT DESC`,
      body: requestBody(SEARCH_QUERY, { term: LOAD_TERM, first: 50 }),
    },
  ];
  const out: InventoryResult['throughput'] = [];
  // takeTurns settles and counts calls on these emulators.
  const onBig: Bench = { ...bench, emulators };
  for (const { name, body } of bodies) {
    const answer = await post(gateway.url, body);
    if (problemsOf(answer).length) throw new Error(`scenario 8 ${name}: ${problemsOf(answer).join('; ')}`);
    const { url: bareUrl } = await bare.ipc.request<{ url: string }>('start', { typeDefs, data: answer.body!.data });
    const bareAnswer = await post(bareUrl, body);
    const runs = await takeTurns(
      onBig,
      [
        { name: 'gateway', url: gateway.url, pid: gateway.pid },
        ...(cached ? [{ name: 'cached', url: cached.url, pid: cached.pid }] : []),
        { name: 'bare', url: bareUrl, pid: bare.child.pid! },
      ],
      body,
      {
        connections: options.s6Connections,
        warmS: out.length ? Math.min(2, options.s6WarmS) : options.s6WarmS,
        // Twice scenario 6's turns: one run's ratio moved by ±8% between runs with 2 turns of 2.5 s.
        durationS: options.s6DurationS * 2,
        rounds: options.s6Rounds * 2,
        // Two gateways sync every 30 s here, a few seconds of CPU each time: a turn that one falls
        // into measures the sync, not the page.
        quietTurns: 3,
      },
    );
    out.push({
      name,
      gateway: runs.gateway,
      cached: runs.cached ?? null,
      bare: runs.bare,
      sameResponse: JSON.stringify(bareAnswer.body) === JSON.stringify(answer.body),
    });
    bench.progress(
      `  s8 ${name}: gateway ${fmt(runs.gateway.perSecond)} req/s, bare yoga ${fmt(runs.bare.perSecond)} req/s = ${((runs.gateway.perSecond / runs.bare.perSecond) * 100).toFixed(0)}%${runs.cached ? `; with the response cache ${fmt(runs.cached.perSecond)} req/s = ${((runs.cached.perSecond / runs.bare.perSecond) * 100).toFixed(0)}%` : ''}; turns run again for a sync in them: ${Object.values(runs).reduce((n, run) => n + run.repeatedTurns, 0)}`,
    );
  }
  await stopChild(bare.child);
  return out;
}

/** Sync completions seen by polling `inventory` (every 250 ms; syncs of one source are ≥ refreshMs apart). */
class SyncWatcher {
  readonly completions: Array<{ sourceId: string; observedAt: number; listCalls: number }> = [];
  private readonly last = new Map<string, string | null>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(private readonly url: string) {}

  async start(): Promise<void> {
    for (const s of await syncStates(this.url)) this.last.set(s.source.id, s.syncedAt);
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.poll();
        await sleep(250);
      }
    })();
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    for (const s of await syncStates(this.url)) {
      if (s.syncedAt !== this.last.get(s.source.id))
        this.completions.push({ sourceId: s.source.id, observedAt: now, listCalls: s.listCalls ?? 0 });
      this.last.set(s.source.id, s.syncedAt);
    }
  }

  /** Stops and takes a last reading. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.poll();
  }

  between(from: number, to: number) {
    const within = this.completions.filter((c) => c.observedAt > from && c.observedAt <= to);
    return { syncs: within.length, listCalls: within.reduce((n, c) => n + c.listCalls, 0) };
  }
}

/**
 * Waits until no ListSecrets call came for QUIET_MS and none is in flight: no sync under way.
 * False when that did not happen within `capMs`.
 */
async function quiet(emulators: Emulators, capMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + capMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const stats = await emulators.stats();
    const calls = listCallsOf(stats);
    const busy = Object.values(stats).some((s) => s.inFlight > 0);
    if (busy || calls !== last) {
      last = calls;
      since = Date.now();
    } else if (Date.now() - since >= QUIET_MS) return true;
    await sleep(100);
  }
  return false;
}

/** Part 5's queries, replayed in turn by every connection. */
function mixedBodies(nodeIds: string[]): string[] {
  return [
    requestBody(PAGE_QUERY, { first: 50 }),
    requestBody(SEARCH_QUERY, { term: LOAD_TERM, first: 50 }),
    requestBody(COUNTS_QUERY, {}),
    requestBody(NODE_QUERY, { id: nodeIds[0] }),
    requestBody(SEARCH_QUERY, { term: 'canary', first: 20 }),
    requestBody(ORDERED_PAGE_QUERY, { first: 50 }),
    requestBody(COUNTS_QUERY, { term: 'prod' }),
    requestBody(NODE_QUERY, { id: nodeIds[1] }),
  ];
}

/** Part 5: ListSecrets calls per minute at each load level, split into the syncs' and the rest. */
async function callsPerLevel(bench: Bench, emulators: Emulators, gateway: Gateway): Promise<LoadLevel[]> {
  const { options } = bench;
  const page = await graphql(gateway.url, PAGE_QUERY, { first: 50 });
  const edges = page.data.secrets.edges as Array<{ node: { id: string } }>;
  const bodies = mixedBodies([edges[7].node.id, edges[42].node.id]);
  for (const body of bodies) {
    const result = await post(gateway.url, body);
    if (problemsOf(result).length) throw new Error(`scenario 8 mixed load: ${problemsOf(result).join('; ')}`);
  }
  const watcher = new SyncWatcher(gateway.url);
  await watcher.start();
  const levels: LoadLevel[] = [];
  for (const rate of LEVELS) {
    const quietBefore = await quiet(emulators);
    const t0 = Date.now();
    const calls0 = listCallsOf(await emulators.stats());
    const connections = Math.max(1, Math.min(options.s6Connections, Math.ceil(rate / 10)));
    const result = await load(gateway.url, bodies, {
      connections,
      durationS: options.s8LevelS,
      overallRate: rate,
    });
    // Syncs under way when the load stops are counted whole: their calls fall in this window.
    const quietAfter = await quiet(emulators);
    const t1 = Date.now();
    const listCalls = listCallsOf(await emulators.stats()) - calls0;
    await sleep(300);
    const syncs = watcher.between(t0, Date.now());
    const minutes = (t1 - t0) / 60_000;
    const level: LoadLevel = {
      rate,
      connections,
      achievedPerSecond: result.perSecond,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      errors: result.errors,
      windowMs: t1 - t0,
      listCalls,
      syncs: syncs.syncs,
      syncListCalls: syncs.listCalls,
      otherCalls: listCalls - syncs.listCalls,
      callsPerMinute: listCalls / minutes,
      otherCallsPerMinute: (listCalls - syncs.listCalls) / minutes,
      quietBounds: quietBefore && quietAfter,
    };
    levels.push(level);
    bench.progress(
      `  s8 ${rate} req/s (${fmt(level.achievedPerSecond, 1)} achieved, p99 ${fmt(level.p99Ms)} ms, ${level.errors} errors): ${listCalls} ListSecrets in ${fmt(level.windowMs / 1000, 1)} s = ${fmt(level.callsPerMinute)}/min; ${level.syncs} syncs made ${level.syncListCalls}; other calls ${level.otherCalls}${level.quietBounds ? '' : ' (a bound was not quiet)'}`,
    );
  }
  await watcher.stop();
  return levels;
}

/** Part 6: what the schema offers besides search (the feed and the subscription are built apart). */
async function changeApis(url: string): Promise<{ feed: boolean; subscription: boolean }> {
  const schema = (await graphql(url, SCHEMA_QUERY)).data.__schema;
  const names = (type: { fields: Array<{ name: string }> } | null) => new Set(type?.fields.map((f) => f.name) ?? []);
  return {
    feed: names(schema.queryType).has('secretChanges'),
    subscription: names(schema.subscriptionType).has('secretChanged'),
  };
}

/**
 * Names in `secretChanged` events, with the time each first arrived (GraphQL over SSE, distinct
 * connections: each `event: next` carries one result). Resolves once the stream is open.
 */
async function subscribe(
  url: string,
  term: string,
): Promise<{ seen: Map<string, { arrived: number; at: number }>; close(): void }> {
  const seen = new Map<string, { arrived: number; at: number }>();
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...requestHeaders(), accept: 'text/event-stream' },
    body: requestBody(SUBSCRIPTION, { term }),
    signal: abort.signal,
  });
  if (!response.ok || !response.body) throw new Error(`subscription: HTTP ${response.status}`);
  const body = response.body;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const lines = buffer.slice(0, end).split('\n');
        buffer = buffer.slice(end + 2);
        if (!lines.some((line) => line.startsWith('event:') && line.slice(6).trim() === 'next')) continue;
        const data = lines
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        const change = (
          JSON.parse(data) as { data?: { secretChanged?: { kind: string; at: string; ref: { name: string } } } }
        ).data?.secretChanged;
        if (change?.kind === 'CREATED' && !seen.has(change.ref.name))
          seen.set(change.ref.name, { arrived: Date.now(), at: Date.parse(change.at) });
      }
    }
  })().catch(() => undefined);
  return { seen, close: () => abort.abort() };
}

/**
 * Part 6: one secret created per provider, each once its emulator has been idle for QUIET_MS (no
 * sync reading it) plus a random wait, then polled for every 50 ms by search (and the feed, where the
 * schema has it); a subscriber listens from before the creates, where the schema has the subscription.
 */
async function propagation(
  bench: Bench,
  emulators: Emulators,
  gateway: Gateway,
  samples: number,
  refreshMs: number,
): Promise<InventoryResult['propagation']> {
  const apis = await changeApis(gateway.url);
  const out: Propagation[] = [];
  const problems = new Set<string>();
  const notFresh = Object.fromEntries(PROVIDER_KEYS.map((p) => [p, 0])) as Record<ProviderKey, number>;
  const durations = Object.fromEntries(PROVIDER_KEYS.map((p) => [p, [] as number[]])) as Record<ProviderKey, number[]>;
  const lastSyncedAt = new Map<ProviderKey, string | null>();
  let polls = 0;
  for (let sample = 0; sample < samples; sample++) {
    const nonce = `benchprop${Date.now().toString(36)}`;
    const since = new Date().toISOString();
    const subscriber = apis.subscription ? await subscribe(gateway.url, nonce) : null;
    const created = new Map<string, { provider: ProviderKey; at: number }>();
    const found = new Map<string, { search?: number; feed?: number; foundAt?: number }>();
    const creating = Promise.all(
      PROVIDER_KEYS.map(async (provider) => {
        await quietProvider(emulators, provider);
        await sleep(Math.random() * 2000);
        const name = `${nonce}-${provider}`;
        await emulators.createSecret(provider, name);
        created.set(name, { provider, at: Date.now() });
      }),
    );
    let allCreated = false;
    void creating.then(() => (allCreated = true));
    const deadline = Date.now() + 4 * refreshMs + 60_000;
    const all = (seen: (name: string) => boolean) => allCreated && [...created.keys()].every(seen);
    // Search and feed are polled by loops of their own, each request given 3 s: one slow answer (a
    // source that just went stale is read live) must not hold the other's clock.
    const poll = async (done: () => boolean, once: () => Promise<void>) => {
      while (!done() && Date.now() < deadline) {
        try {
          await once();
        } catch (error) {
          problems.add((error as Error).message.slice(0, 160));
        }
        await sleep(50);
      }
    };
    const searching = poll(
      () => all((name) => found.get(name)?.search !== undefined),
      async () => {
        const states = await syncStates(gateway.url);
        const observed = Date.now();
        polls++;
        for (const s of states) {
          const provider = providerOf(s.source.id);
          if (s.state !== 'FRESH') notFresh[provider]++;
          // A sync is applied with syncedAt = its start: seen as it changes, its length is now − syncedAt.
          if (lastSyncedAt.has(provider) && s.syncedAt && s.syncedAt !== lastSyncedAt.get(provider))
            durations[provider].push(observed - Date.parse(s.syncedAt));
          lastSyncedAt.set(provider, s.syncedAt);
        }
        // One query per fresh source: one that turns stale meanwhile is read live alone.
        await Promise.all(
          states
            .filter((s) => s.state === 'FRESH')
            .map(async (s) => {
              const searched = await graphql(gateway.url, FOUND_QUERY, { term: nonce, sources: [s.source.id] }, 3000);
              const now = Date.now();
              for (const edge of searched.data.secrets.edges as Array<{ node: { name: string } }>) {
                const entry = found.get(edge.node.name) ?? {};
                entry.search ??= now;
                found.set(edge.node.name, entry);
              }
            }),
        );
      },
    );
    const following = apis.feed
      ? poll(
          () => all((name) => found.get(name)?.feed !== undefined),
          async () => {
            const feed = await graphql(gateway.url, FEED_QUERY, { since, term: nonce }, 3000);
            const now = Date.now();
            for (const edge of feed.data.secretChanges.edges as Array<{
              node: { kind: string; at: string; ref: { name: string } };
            }>) {
              if (edge.node.kind !== 'CREATED') continue;
              const entry = found.get(edge.node.ref.name) ?? {};
              entry.feed ??= now;
              entry.foundAt ??= Date.parse(edge.node.at);
              found.set(edge.node.ref.name, entry);
            }
          },
        )
      : Promise.resolve();
    const listening = subscriber
      ? poll(
          () => all((name) => subscriber.seen.has(name)),
          async () => undefined,
        )
      : Promise.resolve();
    await Promise.all([searching, following, listening]);
    await creating;
    subscriber?.close();
    for (const [name, { provider, at }] of created) {
      const seen = found.get(name);
      const event = subscriber?.seen.get(name);
      const foundAt = seen?.foundAt ?? event?.at;
      const since = (from: number | undefined, t: number | undefined) =>
        t === undefined || from === undefined ? null : t - from;
      out.push({
        provider,
        sample,
        searchMs: since(at, seen?.search),
        feedMs: apis.feed ? since(at, seen?.feed) : null,
        subscriberMs: subscriber ? since(at, event?.arrived) : null,
        foundMs: since(at, foundAt),
        feedAfterSyncMs: apis.feed ? since(foundAt, seen?.feed) : null,
        subscriberAfterSyncMs: subscriber ? since(foundAt, event?.arrived) : null,
      });
    }
    bench.progress(
      `  s8 change → search (refreshMs ${refreshMs}), sample ${sample + 1}: ${out
        .filter((p) => p.sample === sample)
        .map((p) => `${p.provider} ${fmt(p.searchMs)} ms`)
        .join(
          ', ',
        )}${apis.feed ? '' : '; feed: not in the schema'}${apis.subscription ? '' : '; subscription: not in the schema'}`,
    );
  }
  return {
    refreshMs,
    samples: out,
    ...apis,
    syncMs: Object.fromEntries(
      PROVIDER_KEYS.filter((p) => durations[p].length > 0).map((p) => [p, median(durations[p])]),
    ),
    notFreshShare: Object.fromEntries(PROVIDER_KEYS.map((p) => [p, notFresh[p] / Math.max(1, polls)])) as Record<
      ProviderKey,
      number
    >,
    problems: [...problems],
  };
}

/** Waits until one provider's emulator had no ListSecrets call for QUIET_MS: its sync is not reading it. */
async function quietProvider(emulators: Emulators, provider: ProviderKey): Promise<void> {
  let last = -1;
  let since = Date.now();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const stats = (await emulators.stats())[provider];
    const calls = stats.operations.ListSecrets ?? 0;
    if (stats.inFlight > 0 || calls !== last) {
      last = calls;
      since = Date.now();
    } else if (Date.now() - since >= QUIET_MS) return;
    await sleep(50);
  }
}

/** A full export from the index, between quiet moments, its list calls split into the syncs' and the rest. */
async function exportWalk(url: string, total: number, emulators: Emulators, watcher: SyncWatcher): Promise<ExportRun> {
  await quiet(emulators);
  const t0 = Date.now();
  const calls0 = listCallsOf(await emulators.stats());
  const walked = await walk(PAGE_QUERY, {}, 100, total)(url);
  await quiet(emulators);
  const listCalls = listCallsOf(await emulators.stats()) - calls0;
  await sleep(300);
  return {
    walkMs: walked.ms,
    rows: total,
    listCalls,
    syncListCalls: watcher.between(t0, Date.now()).listCalls,
    problems: walked.problems,
  };
}

function summarize(dir: string, windows: Array<{ title: string; startUs: number; endUs: number }>) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return windows.map(({ title, startUs, endUs }) => ({
    title,
    text: file
      ? summarizeProfile(join(dir, file), ROOT, { startUs, endUs }, 12)
      : 'no profile written (the gateway did not exit cleanly)',
  }));
}

async function run(bench: Bench): Promise<InventoryResult> {
  const { options, limits } = bench;
  const latencyMs = options.exportLatencyMs;
  const cpuAtStart = cpuSnapshot(bench.children);
  const perProvider = Math.round(options.s8Secrets / PROVIDER_KEYS.length);
  const emulators = await bench.startEmulators('emulators-inventory', inventoryScales(perProvider));
  const inv = emulators.inventory;
  // Part 6 adds secrets (SAE: to the first namespace): later minimums and exports count them.
  const created = Object.fromEntries(PROVIDER_KEYS.map((p) => [p, 0])) as Record<ProviderKey, number>;
  const current = (): InventorySummary => ({
    ...inv,
    sae: {
      ...inv.sae,
      namespaces: inv.sae.namespaces.map((n, i) => (i === 0 ? { ...n, count: n.count + created.sae } : n)),
    },
    apig: { ...inv.apig, total: inv.apig.total + created.apig },
    kms: { ...inv.kms, total: inv.kms.total + created.kms },
    csms: { ...inv.csms, total: inv.csms.total + created.csms },
    aws: { ...inv.aws, total: inv.aws.total + created.aws },
  });
  const total = totalOf(inv);
  bench.progress(
    `  s8 emulators: ${total} secrets (SAE ${inv.sae.namespaces.reduce((n, x) => n + x.count, 0)} in ${inv.sae.namespaces.length} namespaces, APIG ${inv.apig.total}, KMS ${inv.kms.total}, CSMS ${inv.csms.total}, AWS ${inv.aws.total}) at ${latencyMs} ms`,
  );
  await emulators.setLatency(latencyMs);
  const inventoryGateway = (name: string, refreshMs: number, execArgv: string[] = []) =>
    bench.startGateway(name, options.noCachePolicy, execArgv, {
      emulators,
      extra: { inventory: { refreshMs } },
    });
  // --profile: the main gateway runs with --cpu-prof; each part's window is summarized.
  const profileDir = join(bench.out, 'profile-inventory');
  const windows: Array<{ title: string; startUs: number; endUs: number }> = [];
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  const part = async <T>(title: string, work: () => Promise<T>): Promise<T> => {
    const startUs = nowUs();
    const out = await work();
    windows.push({ title, startUs, endUs: nowUs() });
    return out;
  };
  if (options.profile) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const memory: InventoryResult['memory'] = [];
  const remember = async (gateway: Gateway) =>
    memory.push({
      gateway: gateway.name,
      peakRssMb: peakRssMb(gateway.pid),
      rssMb: rssMb(gateway.pid),
      heap: await readHeap(gateway.url),
    });

  // The hand-written SDK export (part 7), once first: it also warms the emulators up (JIT, their orders).
  const sdk = await bench.startChild('bench/children/sdk-baseline.ts', 'sdk-inventory');
  const targets = sdkExportTargets(emulators.urls, inv, limits);
  const sdkExport = () => sdk.ipc.request<{ ms: number; rows: number; calls: number }>('export', { targets });
  const warmSdk = await sdkExport();

  // 1. The first sync of the main gateway.
  await emulators.reset();
  const main = await inventoryGateway(
    'inventory',
    REFRESH_MS,
    options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  const syncs = [await part('the first sync', () => firstSync(bench, emulators, inv, main, latencyMs))];
  await remember(main);

  // 2, 3. Searches, then pages under load.
  const firstSearchMs = (await post(main.url, requestBody(SEARCH_QUERY, { term: SEARCH_TERMS[0], first: 50 }))).ms;
  bench.progress(`  s8 first search after the first sync: ${fmt(firstSearchMs)} ms`);
  const searches = await part('sequential searches', () => searchLatency(bench, main.url, options.s8Searches));
  const live = await livePath(bench, emulators, main);
  // Beside it, the shipped cache policy (--cache-config, else the default): the whole-response cache (keyed on the index's state) in front of the index.
  await clearOfSyncs(main, emulators, REFRESH_MS);
  const cachedGateway = await bench.startGateway(
    'inventory-response-cache',
    (options.cachePolicy ?? DEFAULT_CACHE) as unknown as JsonObject,
    [],
    { emulators, extra: { inventory: { refreshMs: REFRESH_MS } } },
  );
  await firstSync(bench, emulators, inv, cachedGateway, latencyMs);
  const pages = await part('index pages under load', () => throughput(bench, emulators, main, cachedGateway));
  await remember(cachedGateway);
  await stopChild(cachedGateway.child);

  // 5. Calls per minute under mixed load.
  const levels = await part('mixed load, 1 to 200 req/s', () => callsPerLevel(bench, emulators, main));

  // 7a. Export once FRESH, and the SDK export, taking turns.
  const exportFresh: InventoryResult['exportFresh'] = {
    gateway: [],
    sdkMs: [],
    sdkRows: warmSdk.rows,
    sdkCalls: warmSdk.calls,
    warmUpSdkMs: warmSdk.ms,
  };
  // Warm-up of the gateway's walk (the SDK export ran before the first sync).
  await walk(PAGE_QUERY, {}, 100, total)(main.url);
  const exportWatcher = new SyncWatcher(main.url);
  await exportWatcher.start();
  for (let i = 0; i < options.s8Samples; i++) {
    const run = await part(`export once FRESH, sample ${i + 1}`, () =>
      exportWalk(main.url, total, emulators, exportWatcher),
    );
    exportFresh.gateway.push(run);
    const s = await sdkExport();
    exportFresh.sdkMs.push(s.ms);
    exportFresh.sdkRows = s.rows;
    exportFresh.sdkCalls = s.calls;
    bench.progress(
      `  s8 export once FRESH: ${fmt(run.walkMs)} ms (${run.listCalls - run.syncListCalls} list calls beyond the syncs'${run.problems.length ? `, PROBLEMS: ${run.problems.slice(0, 2).join('; ')}` : ''}); SDK export ${fmt(s.ms)} ms (${s.rows} rows, ${s.calls} calls)`,
    );
  }
  await exportWatcher.stop();
  await remember(main);
  await stopChild(main.child);
  const profiles = options.profile ? summarize(profileDir, windows) : [];
  for (const p of profiles) bench.progress(`  s8 CPU profile, ${p.title}:\n${p.text}`);

  // 6. Change propagation, on a gateway syncing every 5 s.
  await emulators.reset();
  const propagationRefreshMs = options.s8RefreshMs ?? PROPAGATION_REFRESH_MS;
  const fast = await inventoryGateway(`inventory-${propagationRefreshMs / 1000}s`, propagationRefreshMs);
  await firstSync(bench, emulators, inv, fast, latencyMs);
  const changes = await propagation(bench, emulators, fast, options.s8Samples, propagationRefreshMs);
  for (const change of changes.samples) created[change.provider]++;
  await remember(fast);
  await stopChild(fast.child);

  // 7b. Cold starts: spawn, first sync (one more part-1 sample), export; the SDK export after each.
  const coldStarts: InventoryResult['coldStarts'] = [];
  for (let i = 0; i < Math.max(1, options.s8Samples - 1); i++) {
    await emulators.reset();
    const spawned = Date.now();
    const cold = await inventoryGateway(`inventory-cold-${i + 1}`, REFRESH_MS);
    const ready = Date.now();
    syncs.push(await firstSync(bench, emulators, current(), cold, latencyMs));
    const fresh = Date.now();
    const walked = await walk(PAGE_QUERY, {}, 100, totalOf(current()))(cold.url);
    const done = Date.now();
    await remember(cold);
    await stopChild(cold.child);
    const s = await sdkExport();
    const c = {
      bootMs: ready - spawned,
      syncMs: fresh - ready,
      exportMs: done - fresh,
      totalMs: done - ready,
      rows: totalOf(current()),
      problems: walked.problems,
      sdkMs: s.ms,
    };
    coldStarts.push(c);
    bench.progress(
      `  s8 cold start → full export: ${fmt(c.totalMs)} ms (sync ${fmt(c.syncMs)} + export ${fmt(c.exportMs)}; boot ${fmt(c.bootMs)} before); SDK export ${fmt(s.ms)} ms`,
    );
  }
  // 7c. The same, the export begun at once, with the shipped cache policy (a live walk of SAE reads
  // each namespace once, not once a page); in turns with the SDK export, since one cold start alone
  // swings with the machine (1.21x to 1.56x in one session's runs). The median turn is reported.
  const atOnceTurns: ColdAtOnce[] = [];
  for (let turn = 1; turn <= (options.s8Samples > 1 ? AT_ONCE_TURNS : 1); turn++) {
    await emulators.reset();
    const atOnce = await bench.startGateway(
      `inventory-cold-at-once-${turn}`,
      (options.cachePolicy ?? DEFAULT_CACHE) as unknown as JsonObject,
      [],
      { emulators, extra: { inventory: { refreshMs: REFRESH_MS } } },
    );
    const atOnceStart = Date.now();
    const walkCpu = cpuOf({ gateway: atOnce.pid, emulators: emulators.pid });
    const walkedAtOnce = await walk(PAGE_QUERY, {}, 100, totalOf(current()))(atOnce.url);
    const atOnceMs = Date.now() - atOnceStart;
    const walkUsed = walkCpu();
    const atOnceSync = await firstSync(bench, emulators, current(), atOnce, latencyMs);
    const atOnceCalls = listCallsOf(await emulators.stats());
    await remember(atOnce);
    await stopChild(atOnce.child);
    const sdkCpu = cpuOf({ sdk: sdk.child.pid!, emulators: emulators.pid }, false);
    const atOnceSdk = await sdkExport();
    const t: ColdAtOnce = {
      ms: atOnceMs,
      listCalls: atOnceCalls,
      syncCalls: atOnceSync.perSource.reduce((n, p) => n + p.listCalls, 0),
      sdkMs: atOnceSdk.ms,
      problems: walkedAtOnce.problems,
      cores: availableParallelism(),
      cpuMs: walkUsed,
      sdkCpuMs: sdkCpu(),
    };
    atOnceTurns.push(t);
    bench.progress(
      `  s8 cold start, export begun at once (turn ${turn}): ${fmt(t.ms)} ms, ${t.listCalls} ListSecrets (the first sync's ${t.syncCalls}); SDK export ${fmt(t.sdkMs)} ms = ${(t.ms / t.sdkMs).toFixed(2)}x${t.problems.length ? `; PROBLEMS ${t.problems.slice(0, 2).join('; ')}` : ''}`,
    );
    bench.progress(`  s8 ${cpuLine(t)}`);
  }
  const byRatio = [...atOnceTurns].sort((a, b) => a.ms / a.sdkMs - b.ms / b.sdkMs);
  const coldAtOnce = {
    ...byRatio[Math.floor((byRatio.length - 1) / 2)],
    turns: atOnceTurns.map((t) => ({ ms: t.ms, sdkMs: t.sdkMs, problems: t.problems })),
  };
  await stopChild(sdk.child);
  const noise = foreignShare(cpuAtStart, cpuSnapshot(bench.children));
  await emulators.ipc.request('stop').catch(() => undefined);
  return {
    inventory: inv,
    total,
    latencyMs,
    syncs,
    searches,
    firstSearchMs,
    live,
    throughput: pages,
    levels,
    propagation: changes,
    exportFresh,
    coldStarts,
    coldAtOnce,
    memory,
    noise,
    profiles,
  };
}

/**
 * CPU time each process uses from now until the returned function is called; `client` is this
 * process, which runs the walks (left out when it only waits for a child). On a machine whose cores all three share, their sum over the cores
 * is a floor under the wall time of whatever they do together.
 */
function cpuOf(pids: Record<string, number>, client = true): () => Record<string, number> {
  const read = (): Record<string, number> => {
    const own = process.cpuUsage();
    return {
      ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid) ?? Number.NaN])),
      ...(client ? { client: (own.user + own.system) / 1000 } : {}),
    };
  };
  const start = read();
  return () => {
    const end = read();
    return Object.fromEntries(Object.entries(end).map(([name, ms]) => [name, Math.round(ms - start[name]!)]));
  };
}

/** Each turn's export begun at once against its SDK export. */
function turnsOf(c: NonNullable<InventoryResult['coldAtOnce']>): string {
  return c.turns.map((t) => `${fmt(t.ms)}/${fmt(t.sdkMs)} ms (${(t.ms / t.sdkMs).toFixed(2)}x)`).join(', ');
}

/** Where the export begun at once spent CPU, against the SDK export's, and the floor that puts under its wall time. */
function cpuLine(c: ColdAtOnce): string {
  const sum = (used: Record<string, number>) => Object.values(used).reduce((a, b) => a + b, 0);
  const parts = (used: Record<string, number>) =>
    Object.entries(used)
      .map(([name, ms]) => `${name} ${fmt(ms)}`)
      .join(' + ');
  return `CPU during the export begun at once: ${parts(c.cpuMs)} = ${fmt(sum(c.cpuMs))} ms on ${c.cores} cores, a floor of ${fmt(sum(c.cpuMs) / c.cores)} ms of wall time (${(sum(c.cpuMs) / c.cores / c.sdkMs).toFixed(2)}x the SDK export); the SDK export used ${parts(c.sdkCpuMs)} = ${fmt(sum(c.sdkCpuMs))} ms in its ${fmt(c.sdkMs)} ms`;
}

function report(result: InventoryResult | null, bench: Bench): ScenarioReport {
  const notMeasured = (target: string): TargetResult => ({ target, status: 'not measured', detail: '' });
  const TARGETS = {
    sync: `scenario 8: the first full sync makes the minimum list calls within ${SYNC_TARGET}x the list-chain bound`,
    search: `scenario 8: a search page (search + UPDATED_AT DESC, first: 50) has p99 ≤ ${SEARCH_P99_MS} ms`,
    throughput: `scenario 8: a cached-index page reaches ≥ ${THROUGHPUT_TARGET}x bare yoga's throughput`,
    rss: `scenario 8: peak RSS of the gateway with the index at 100k ≤ ${RSS_TARGET_MB} MB`,
    calls: 'scenario 8: cloud calls per minute stay the same from 1 to 200 requests/s (only the syncs call)',
    search6: 'scenario 8: a change at the cloud shows in search within refreshMs + 1 s',
    feed: 'scenario 8: a change reaches secretChanges within refreshMs + 1 s, a subscriber 1 s after that',
    export: 'scenario 8: a full export (cold gateway, all sources) is faster than the hand-written SDK export',
    exportProposed: `scenario 8 (proposed in place of the export target, whose floor this machine's cores set): a full export begun as a cold gateway starts takes ≤ ${AT_ONCE_TARGET}x the SDK export, median of ${AT_ONCE_TURNS} turns`,
  };
  if (!result) return { rows: [], sections: [], targets: Object.values(TARGETS).map(notMeasured), json: {} };
  const r = result;
  const lat = r.latencyMs;
  const rows: Row[] = [];
  const row = (scenario: string, fields: Partial<Row>): Row => ({
    group: '8',
    scenario,
    latencyMs: lat,
    calls: '—',
    repeat: '—',
    wall: '—',
    connections: '—',
    latency: '—',
    perSecond: '—',
    rssMb: '—',
    target: '',
    ...fields,
  });
  const maxPeak = Math.max(...r.memory.map((m) => m.peakRssMb ?? 0));
  const peakOf = (gateway: string) =>
    Math.max(...r.memory.filter((m) => m.gateway === gateway).map((m) => m.peakRssMb ?? Number.NaN));

  // 1
  const syncMet = (s: FirstSync) =>
    s.listCalls <= s.minimum.calls &&
    s.emulatorListCalls <= s.minimum.calls &&
    s.wallMs <= SYNC_TARGET * s.boundMs &&
    !s.problems.length;
  // The same lists read by the SDK export in this run: the floor a client reaches here, beside the bound.
  const sdkOf = (s: FirstSync) => r.coldStarts[r.syncs.indexOf(s) - 1]?.sdkMs ?? median(r.exportFresh.sdkMs);
  for (const s of r.syncs)
    rows.push(
      row(`first full sync, ${r.total} secrets (${s.gateway})`, {
        calls: `${s.emulatorListCalls}/${s.minimum.calls}`,
        wall: `${fmt(s.wallMs)} / ${fmt(s.boundMs)} (${(s.wallMs / s.boundMs).toFixed(2)}x)`,
        rssMb: fmt(peakOf(s.gateway)),
        target: `${syncMet(s) ? 'yes' : 'no'}: ≤ ${SYNC_TARGET}x bound, minimum calls (${(s.wallMs / sdkOf(s)).toFixed(2)}x the SDK export)`,
      }),
    );
  // 2
  for (const s of r.searches)
    rows.push(
      row(`search "${s.term}" (${s.matches} matches), UPDATED_AT DESC, first 50`, {
        calls: '0',
        connections: '1',
        latency: `${fmt(s.p50Ms, 1)} / ${fmt(s.p99Ms, 1)}`,
        target: `${s.p99Ms <= SEARCH_P99_MS && !s.problems.length ? 'yes' : 'no'}: p99 ≤ ${SEARCH_P99_MS} ms (max ${fmt(s.maxMs)})`,
      }),
    );
  for (const l of r.live)
    rows.push(
      row(`${l.name} (ref: the live path)`, {
        calls: String(l.listCalls),
        wall: fmt(l.ms),
        connections: '1',
        target: 'ref',
      }),
    );
  // 3
  for (const t of r.throughput) {
    const ratio = t.gateway.perSecond / t.bare.perSecond;
    const fields = (run: TurnRun) => ({
      connections: String(bench.options.s6Connections),
      latency: `${fmt(run.p50Ms)} / ${fmt(run.p99Ms)}`,
      perSecond: fmt(run.perSecond, 1),
      rssMb: fmt(run.maxRssMb),
    });
    rows.push(
      row(`${t.name}: gateway`, {
        ...fields(t.gateway),
        target: `${ratio >= THROUGHPUT_TARGET && !t.gateway.errors ? 'yes' : 'no'}: ${(ratio * 100).toFixed(0)}% of bare ${ratio >= THROUGHPUT_TARGET ? '≥' : '<'} ${THROUGHPUT_TARGET * 100}%`,
      }),
      ...(t.cached
        ? [
            row(`${t.name}: gateway, response cache on`, {
              ...fields(t.cached),
              target: `${((t.cached.perSecond / t.bare.perSecond) * 100).toFixed(0)}% of bare (the shipped cache policy)`,
            }),
          ]
        : []),
      row(`${t.name}: bare yoga (ref)`, {
        ...fields(t.bare),
        calls: '0',
        target: t.sameResponse ? 'ref (same body)' : 'ref (BODY DIFFERS)',
      }),
    );
  }
  // 5
  for (const l of r.levels)
    rows.push(
      row(`mixed queries at ${l.rate} req/s (${fmt(l.achievedPerSecond, 1)} achieved)`, {
        calls: `${fmt(l.callsPerMinute)}/min (${l.otherCalls} not syncs)`,
        connections: String(l.connections),
        latency: `${fmt(l.p50Ms)} / ${fmt(l.p99Ms)}`,
        perSecond: fmt(l.achievedPerSecond, 1),
        target: `${l.otherCalls === 0 && !l.errors ? 'yes' : 'no'}: ${l.syncs} syncs, ${l.syncListCalls} calls; other calls 0`,
      }),
    );
  // 6
  const limit = r.propagation.refreshMs + 1000;
  const byProvider = PROVIDER_KEYS.map((p) => {
    const samples = r.propagation.samples.filter((s) => s.provider === p);
    const worst = (of: (s: Propagation) => number | null) =>
      Math.max(...samples.map((s) => of(s) ?? Number.POSITIVE_INFINITY));
    const search = samples.map((s) => s.searchMs ?? Number.POSITIVE_INFINITY);
    return {
      provider: p,
      maxSearch: Math.max(...search),
      medianSearch: median(search),
      maxFeed: r.propagation.feed ? worst((s) => s.feedMs) : null,
      maxSubscriber: r.propagation.subscription ? worst((s) => s.subscriberMs) : null,
    };
  });
  for (const p of byProvider) {
    const met =
      p.maxSearch <= limit &&
      (p.maxFeed === null || p.maxFeed <= limit) &&
      (p.maxSubscriber === null || p.maxSubscriber <= limit + 1000);
    rows.push(
      row(`change at the cloud → search / feed / subscriber, ${p.provider} (max)`, {
        wall: `${fmt(p.maxSearch)} / ${fmt(p.maxFeed)} / ${fmt(p.maxSubscriber)} vs ${limit}`,
        target: `${met ? 'yes' : 'no'}: ≤ refreshMs (${r.propagation.refreshMs}) + 1 s, subscriber + 1 s more${r.propagation.syncMs[p.provider] !== undefined ? `; its sync takes ${fmt(r.propagation.syncMs[p.provider])} ms` : ''}`,
      }),
    );
  }
  // 7
  const sdkMedian = median(r.exportFresh.sdkMs);
  const freshMedian = median(r.exportFresh.gateway.map((g) => g.walkMs));
  const exportBound = lowerBoundMs(exportMinimum(segments(r.inventory), bench.limits), lat, bench.limits);
  rows.push(
    row('full export once FRESH (first: 100)', {
      calls: `${Math.max(...r.exportFresh.gateway.map((g) => g.listCalls - g.syncListCalls))} (+ syncs)`,
      wall: `${fmt(freshMedian)} / ${fmt(exportBound)} (${(freshMedian / exportBound).toFixed(2)}x)`,
      target: `${freshMedian < sdkMedian ? 'yes' : 'no'}: ${(freshMedian / sdkMedian).toFixed(2)}x the SDK export`,
    }),
    row('hand-written SDK export (ref)', {
      calls: String(r.exportFresh.sdkCalls),
      wall: `${fmt(sdkMedian)} / ${fmt(exportBound)} (${(sdkMedian / exportBound).toFixed(2)}x)`,
      target: 'ref',
    }),
  );
  for (const [i, c] of r.coldStarts.entries())
    rows.push(
      row(`cold start → full export (sync ${fmt(c.syncMs)} + export ${fmt(c.exportMs)})`, {
        wall: `${fmt(c.totalMs)} / ${fmt(exportBound)} (${(c.totalMs / exportBound).toFixed(2)}x)`,
        rssMb: fmt(peakOf(`inventory-cold-${i + 1}`)),
        target: `${c.totalMs < c.sdkMs ? 'yes' : 'no'}: ${(c.totalMs / c.sdkMs).toFixed(2)}x the SDK export (${fmt(c.sdkMs)} ms)`,
      }),
    );

  const targets: TargetResult[] = [
    {
      target: TARGETS.sync,
      status: r.syncs.every(syncMet) ? 'met' : 'unmet',
      detail: r.syncs
        .map(
          (s) =>
            `${s.gateway}: ${fmt(s.wallMs)} ms = ${(s.wallMs / s.boundMs).toFixed(2)}x the ${fmt(s.boundMs)} ms bound (${(s.wallMs / sdkOf(s)).toFixed(2)}x the SDK export of the same lists, ${fmt(sdkOf(s))} ms), ${s.emulatorListCalls} list calls vs minimum ${s.minimum.calls}`,
        )
        .join('; '),
    },
    {
      target: TARGETS.search,
      status: r.searches.every((s) => s.p99Ms <= SEARCH_P99_MS && !s.problems.length) ? 'met' : 'unmet',
      detail: r.searches.map((s) => `"${s.term}" (${s.matches}) p99 ${fmt(s.p99Ms, 1)} ms`).join('; '),
    },
    {
      target: TARGETS.throughput,
      status: r.throughput.every((t) => t.gateway.perSecond >= THROUGHPUT_TARGET * t.bare.perSecond) ? 'met' : 'unmet',
      detail: r.throughput
        .map(
          (t) =>
            `${t.name}: ${fmt(t.gateway.perSecond)} vs ${fmt(t.bare.perSecond)} req/s = ${((t.gateway.perSecond / t.bare.perSecond) * 100).toFixed(0)}%${t.cached ? ` (with the response cache in front: ${((t.cached.perSecond / t.bare.perSecond) * 100).toFixed(0)}%)` : ''}, ${[t.gateway, t.cached, t.bare].reduce((n, run) => n + (run?.repeatedTurns ?? 0), 0)} turns run again for a sync in them`,
        )
        .join('; '),
    },
    {
      target: TARGETS.rss,
      status: maxPeak <= RSS_TARGET_MB ? 'met' : 'unmet',
      detail: r.memory.map((m) => `${m.gateway} ${fmt(m.peakRssMb)} MB`).join(', '),
    },
    {
      target: TARGETS.calls,
      status: r.levels.every((l) => l.otherCalls === 0) ? 'met' : 'unmet',
      detail: r.levels
        .map((l) => `${l.rate}/s: ${fmt(l.callsPerMinute)}/min, ${l.otherCalls} not from syncs`)
        .join('; '),
    },
    {
      target: TARGETS.search6,
      status: byProvider.every((p) => p.maxSearch <= limit) ? 'met' : 'unmet',
      detail: `${byProvider.map((p) => `${p.provider} max ${fmt(p.maxSearch)} ms`).join(', ')} (limit ${limit} ms)`,
    },
    r.propagation.feed || r.propagation.subscription
      ? {
          target: TARGETS.feed,
          status: r.propagation.samples.every(
            (s) =>
              (!r.propagation.feed || (s.feedMs !== null && s.feedMs <= limit)) &&
              (!r.propagation.subscription || (s.subscriberMs !== null && s.subscriberMs <= limit + 1000)),
          )
            ? 'met'
            : 'unmet',
          detail: r.propagation.samples
            .map(
              (s) =>
                `${s.provider} feed ${fmt(s.feedMs)} ms, subscriber ${fmt(s.subscriberMs)} ms (${fmt(s.feedAfterSyncMs)} / ${fmt(s.subscriberAfterSyncMs)} ms after the sync that found it)`,
            )
            .join('; '),
        }
      : {
          target: TARGETS.feed,
          status: 'not measured',
          detail: 'the schema has neither Query.secretChanges nor Subscription.secretChanged',
        },
    {
      target: TARGETS.export,
      status: r.coldStarts.every((c) => c.totalMs < c.sdkMs) ? 'met' : 'unmet',
      detail: `cold start → export ${r.coldStarts.map((c) => `${fmt(c.totalMs)} ms vs SDK ${fmt(c.sdkMs)} ms`).join(', ')}; export once FRESH ${fmt(freshMedian)} ms vs SDK ${fmt(sdkMedian)} ms (${freshMedian < sdkMedian ? 'faster' : 'slower'})`,
    },
    r.coldAtOnce
      ? {
          target: TARGETS.exportProposed,
          status:
            r.coldAtOnce.ms / r.coldAtOnce.sdkMs <= AT_ONCE_TARGET &&
            r.coldAtOnce.turns.every((t) => !t.problems.length)
              ? 'met'
              : 'unmet',
          detail: `median ${(r.coldAtOnce.ms / r.coldAtOnce.sdkMs).toFixed(2)}x; turns ${turnsOf(r.coldAtOnce)}`,
        }
      : notMeasured(TARGETS.exportProposed),
  ];

  const section = [
    `Inventory (scenario 8): ${r.total} secrets (SAE ${r.inventory.sae.namespaces.reduce((n, x) => n + x.count, 0)}, APIG ${r.inventory.apig.total}, KMS ${r.inventory.kms.total}, CSMS ${r.inventory.csms.total}, AWS ${r.inventory.aws.total}) at ${lat} ms, gateways with the metadata cache off, refreshMs ${REFRESH_MS} (part 6: ${r.propagation.refreshMs}).`,
    ...r.syncs.map(
      (s) =>
        `- first sync (${s.gateway}): ${s.perSource.map((p) => `${p.provider} ${p.secretCount} in ${fmt(p.wallMs)} ms (bound ${fmt(p.boundMs)}), ${p.listCalls} calls (emulator ${p.emulatorListCalls}, minimum ${p.minimumCalls})`).join('; ')}${s.problems.length ? `; PROBLEMS ${s.problems.join('; ')}` : ''}`,
    ),
    `- the first search page after the first sync (sorting UPDATED_AT DESC and building its search text): ${fmt(r.firstSearchMs)} ms`,
    `- search, ${r.searches[0]?.requests ?? 0} sequential requests per term: ${r.searches.map((s) => `"${s.term}" ${s.matches} matches p50/p99/max ${fmt(s.p50Ms, 1)}/${fmt(s.p99Ms, 1)}/${fmt(s.maxMs, 1)} ms`).join('; ')}`,
    ...r.throughput.map(
      (t) =>
        `- ${t.name}: gateway ${fmt(t.gateway.cpuMsPerRequest, 2)} ms CPU/req${t.cached ? `, with the response cache ${fmt(t.cached.cpuMsPerRequest, 2)}` : ''}, bare yoga ${fmt(t.bare.cpuMsPerRequest, 2)} ms CPU/req`,
    ),
    ...r.levels.map(
      (l) =>
        `- ${l.rate} req/s on ${l.connections} connections: ${fmt(l.achievedPerSecond, 1)} achieved, p50/p99 ${fmt(l.p50Ms)}/${fmt(l.p99Ms)} ms, ${l.errors} errors; window ${fmt(l.windowMs / 1000, 1)} s: ${l.listCalls} ListSecrets = ${fmt(l.callsPerMinute)}/min, of which ${l.syncs} syncs made ${l.syncListCalls}; other ${l.otherCalls} (${fmt(l.otherCallsPerMinute)}/min)${l.quietBounds ? '' : '; a window bound was not quiet'}`,
    ),
    `- change at the cloud (create → found, the change's \`at\`; then + search / + feed / + subscriber after that): ${r.propagation.samples.map((s) => `${s.provider} ${fmt(s.foundMs)} ms; ${fmt(s.searchMs === null || s.foundMs === null ? null : s.searchMs - s.foundMs)} / ${fmt(s.feedAfterSyncMs)} / ${fmt(s.subscriberAfterSyncMs)} ms`).join(', ')}; sync durations ${Object.entries(
      r.propagation.syncMs,
    )
      .map(([p, ms]) => `${p} ${fmt(ms)} ms`)
      .join(
        ', ',
      )}; not FRESH in ${PROVIDER_KEYS.map((p) => `${p} ${fmt(r.propagation.notFreshShare[p] * 100)}%`).join(', ')} of the polls; feed ${r.propagation.feed ? 'measured' : 'not in the schema'}, subscription ${r.propagation.subscription ? 'measured' : 'not in the schema'}${r.propagation.problems.length ? `; PROBLEMS ${r.propagation.problems.join('; ')}` : ''}`,
    `- export once FRESH: ${r.exportFresh.gateway.map((g) => `${fmt(g.walkMs)} ms (${g.listCalls} list calls, ${g.syncListCalls} of them the syncs')`).join(', ')}; SDK ${r.exportFresh.sdkMs.map((ms) => fmt(ms)).join(', ')} ms (${r.exportFresh.sdkRows} rows, ${r.exportFresh.sdkCalls} calls); bound ${fmt(exportBound)} ms`,
    ...(r.coldAtOnce
      ? [
          `- cold start, export begun at once (shipped cache policy), the median of ${r.coldAtOnce.turns.length} turns: ${fmt(r.coldAtOnce.ms)} ms = ${(r.coldAtOnce.ms / r.coldAtOnce.sdkMs).toFixed(2)}x the SDK export (${fmt(r.coldAtOnce.sdkMs)} ms); ${r.coldAtOnce.listCalls} ListSecrets, the first sync's ${r.coldAtOnce.syncCalls}; turns ${turnsOf(r.coldAtOnce)}${r.coldAtOnce.problems.length ? `; PROBLEMS ${r.coldAtOnce.problems.slice(0, 2).join('; ')}` : ''}`,
          `- ${cpuLine(r.coldAtOnce)} (the median turn)`,
        ]
      : []),
    ...r.coldStarts.map(
      (c) =>
        `- cold start: boot ${fmt(c.bootMs)} ms, then sync ${fmt(c.syncMs)} ms + export ${fmt(c.exportMs)} ms = ${fmt(c.totalMs)} ms; SDK ${fmt(c.sdkMs)} ms${c.problems.length ? `; PROBLEMS ${c.problems.slice(0, 2).join('; ')}` : ''}`,
    ),
    `- memory: ${r.memory.map((m) => `${m.gateway} peak ${fmt(m.peakRssMb)} MB, now ${fmt(m.rssMb)} MB${m.heap ? `, heap ${fmt(m.heap.heapUsedMb)}/${fmt(m.heap.heapTotalMb)} MB` : ''}`).join('; ')}`,
  ];
  return {
    rows,
    sections: [section, ...r.profiles.map((p) => [`CPU profile of the inventory gateway, ${p.title}:`, p.text])],
    targets,
    json: { scenario8: result },
    noise: { key: 'scenario8', during: 'scenario 8', share: r.noise },
  };
}

export const inventory: RunScenario<InventoryResult> = { kind: 'run', number: 8, name: 'inventory', run, report };
