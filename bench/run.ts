/**
 * `npm run bench` (issue 6): the gateway driven over HTTP against the provider emulators, with
 * upstream calls, wall time, latency under load, throughput and peak memory per scenario, each
 * measured against its reference in the same run. See BENCHMARKS.md for how to read the table.
 *
 * Processes: the emulators, the gateway (the real entry point as `npm start` builds it, `dist/main.js --config`), the bare
 * graphql-yoga reference and the SDK reference each run in a child process of their own; this
 * process only generates load (autocannon) and reads /proc for memory and CPU.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchConfig, limitsOf, SOURCE_IDS, writeConfig, type Json } from './lib/config.js';
import { post, problemsOf, requestHeaders } from './lib/graphql.js';
import type { IpcClient } from './lib/ipc.js';
import { load, type LoadResult } from './lib/load.js';
import { lowerBoundMs, type Limits } from './lib/plan.js';
import {
  buildGateway,
  cpuMs,
  cpuSnapshot,
  foreignShare,
  peakRssMb,
  resetPeakRss,
  ROOT,
  rssMb,
  spawnIpcChild,
  spawnNode,
  stopChild,
} from './lib/processes.js';
import { summarizeProfile } from './lib/profile.js';
import { fmt, median, table, targetList, type Row, type TargetResult } from './lib/report.js';
import { buildScenarios, exportScenarios, NAMES, type Scenario } from './lib/scenarios.js';
import {
  PROVIDER_KEYS,
  type EmulatorUrls,
  type InventorySummary,
  type ProviderKey,
  type ThroughputReport,
  type UpstreamStats,
} from './lib/types.js';
import type { SdkBaselineArgs, SdkExportTarget } from './children/sdk-baseline.js';

const USAGE = `Usage: npm run bench -- [options]

  --quick                 about a minute: shorter load runs, fewer samples, scenario 6 on KMS only
  --scale N               emulator data size (default 2: SAE ${'~'}980, APIG 624, KMS 660, CSMS 640, AWS ${'~'}580 secrets)
  --latencies A,B         emulator latencies in ms (default 0,20)
  --duration S            seconds of load per scenario (default 2.5; quick 1)
  --connections N         load connections for scenarios 1-5 (default 8; scenario 2 uses half)
  --samples N             single-request samples for wall time (default 5; quick 2)
  --s6-duration S         seconds of measured load per scenario-6 target (default 5; quick 2),
                          split into --s6-rounds turns (default 2; quick 1) taken in turn with the other targets
  --s6-warmup S           warm-up load per target before the first provider (default 4; quick 2)
  --s6-connections N      (default 32)
  --s6-providers LIST     scenario-6 providers (default sae,apig,kms,csms,aws; quick kms)
  --only LIST             scenario groups to run, e.g. 1,6 (default all; 7 is the cold export)
  --export-latency MS     scenario 7's emulator latency (default 20)
  --config-extra JSON     deep-merged into every generated gateway config
                          ("sources" may be keyed by sae/apig/kms/csms/aws: {"sources":{"sae":{"maxConcurrency":3}}})
  --cache-config JSON     per-source cache policy of the "with cache" gateway (default: the gateway's
                          own default), e.g. '{"ttlMs":60000,"staleMs":0,"readAhead":true}'
  --no-cache-phase        skip the "with cache" gateway (its rows and scenario-6 run)
  --no-cache-policy JSON  per-source cache policy of the main gateway (default '{"ttlMs":0,"staleMs":0,"readAhead":false}')
  --keep-rate-limits      keep the gateway's default per-source rate limits (SAE 1/s after a burst of 20);
                          by default the bench lifts them (the emulators have no quota)
  --discover-namespaces   let the gateway discover SAE namespaces (DescribeNamespaceList per request)
                          instead of listing them in the config
  --profile               also CPU-profile the gateway under scenario 6 and print where its time goes
  --log-level LEVEL       gateway LOG_LEVEL (default: the gateway's own default)
  --gateway-node-args STR extra node flags for the gateway processes, e.g. "--max-semi-space-size=32"

  Requests carry authHeaders() from bench/auth.ts (BENCH_AUTH_HEADER / BENCH_TOKEN).
  Writes .bench/latest.json, .bench/latest.md and .bench/logs/.`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    latencies: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    samples: { type: 'string' },
    's6-duration': { type: 'string' },
    's6-rounds': { type: 'string' },
    's6-warmup': { type: 'string' },
    's6-connections': { type: 'string' },
    's6-providers': { type: 'string' },
    only: { type: 'string' },
    'export-latency': { type: 'string' },
    'config-extra': { type: 'string' },
    'cache-config': { type: 'string' },
    'no-cache-phase': { type: 'boolean', default: false },
    'no-cache-policy': { type: 'string' },
    'keep-rate-limits': { type: 'boolean', default: false },
    'discover-namespaces': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'log-level': { type: 'string' },
    'gateway-node-args': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const quick = args.quick!;
const num = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
const opts = {
  scale: num(args.scale, 2),
  latencies: (args.latencies ?? '0,20').split(',').map(Number),
  durationS: num(args.duration, quick ? 1 : 2.5),
  connections: num(args.connections, 8),
  samples: num(args.samples, quick ? 2 : 5),
  s6DurationS: num(args['s6-duration'], quick ? 2 : 5),
  s6Rounds: num(args['s6-rounds'], quick ? 1 : 2),
  s6WarmS: num(args['s6-warmup'], quick ? 2 : 4),
  s6Connections: num(args['s6-connections'], 32),
  s6Providers: (args['s6-providers'] ?? (quick ? 'kms' : PROVIDER_KEYS.join(','))).split(',') as ProviderKey[],
  exportLatencyMs: num(args['export-latency'], 20),
  only: args.only ? new Set(args.only.split(',').map(Number)) : null,
  configExtra: args['config-extra'] ? parseJson(args['config-extra'], '--config-extra') : null,
  cachePolicy: args['cache-config'] ? parseJson(args['cache-config'], '--cache-config') : null,
  cachePhase: !args['no-cache-phase'],
  noCachePolicy: parseJson(args['no-cache-policy'] ?? '{"ttlMs":0,"staleMs":0,"readAhead":false}', '--no-cache-policy'),
  keepRateLimits: args['keep-rate-limits']!,
  discoverNamespaces: args['discover-namespaces']!,
  profile: args.profile!,
  logLevel: args['log-level'],
  gatewayNodeArgs: (args['gateway-node-args'] ?? '').split(' ').filter(Boolean),
};
for (const p of opts.s6Providers)
  if (!PROVIDER_KEYS.includes(p)) throw new Error(`--s6-providers: unknown provider ${p}`);

function parseJson(text: string, flag: string): { [key: string]: Json } {
  try {
    const value = JSON.parse(text) as Json;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new Error(`${flag} must be a JSON object: ${(error as Error).message}`);
  }
}

const OUT = join(ROOT, '.bench');
const LOGS = join(OUT, 'logs');
rmSync(LOGS, { recursive: true, force: true });
mkdirSync(LOGS, { recursive: true });
// The gateway runs as `npm start` runs it: built with esbuild, plain node, no tsx loader.
const { entry: gatewayEntry, nodeFlags: gatewayStartFlags } = buildGateway();

const progress = (text: string) => process.stderr.write(`${text}\n`);
const runStarted = performance.now();
const children: ChildProcess[] = [];

// ---- children ---------------------------------------------------------------------------------

interface Emulators {
  ipc: IpcClient;
  pid: number;
  urls: EmulatorUrls;
  inventory: InventorySummary;
  setLatency(ms: number): Promise<void>;
  reset(): Promise<void>;
  stats(): Promise<UpstreamStats>;
  /** Waits until no call is in flight and none arrived for `quietMs`: the gateway has drained a load run. */
  settle(quietMs?: number): Promise<void>;
}

async function startEmulators(): Promise<Emulators> {
  const { child, ipc } = spawnIpcChild('bench/children/emulators.ts', {
    log: join(LOGS, 'emulators.log'),
    name: 'emulators',
    env: { BENCH_SCALE: String(opts.scale) },
  });
  children.push(child);
  const ready = await ipc.event<{ type: string; urls: EmulatorUrls; summary: InventorySummary }>('ready');
  return {
    ipc,
    pid: child.pid!,
    urls: ready.urls,
    inventory: ready.summary,
    setLatency: async (ms) => void (await ipc.request('faults', { latencyMs: ms })),
    reset: async () => void (await ipc.request('reset')),
    stats: () => ipc.request<UpstreamStats>('stats'),
    async settle(quietMs = 120) {
      const deadline = Date.now() + 60_000;
      let last = -1;
      for (;;) {
        const stats = await ipc.request<UpstreamStats>('stats');
        const calls = totalCalls(stats);
        const busy = Object.values(stats).some((s) => s.inFlight > 0);
        if (!busy && calls === last) return;
        if (Date.now() > deadline) throw new Error('the gateway kept calling the emulators for 60 s after a load run');
        last = busy ? -1 : calls;
        await new Promise((r) => setTimeout(r, quietMs));
      }
    },
  };
}

interface Gateway {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The real entry point with a generated config; ready once /healthz answers at all. */
async function startGateway(
  name: string,
  cache: { [key: string]: Json } | null,
  execArgv: string[] = [],
): Promise<Gateway & { config: { [key: string]: Json } }> {
  const port = await freePort();
  const config = benchConfig(emulators.urls, emulators.inventory, {
    discoverNamespaces: opts.discoverNamespaces,
    keepRateLimits: opts.keepRateLimits,
    cache,
    extra: [{ server: { port } }, ...(opts.configExtra ? [opts.configExtra] : [])],
  });
  const configPath = join(OUT, `gateway-${name}.json`);
  writeConfig(configPath, config);
  const log = join(LOGS, `gateway-${name}.log`);
  const child = spawnNode([gatewayEntry, '--config', configPath], {
    log,
    compiled: true,
    execArgv: [...gatewayStartFlags, ...opts.gatewayNodeArgs, ...execArgv],
    env: opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {},
  });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `gateway ${name} exited (code ${child.exitCode}); see ${log}:\n${readFileSync(log, 'utf8').slice(-2000)}`,
      );
    try {
      await fetch(`${base}/healthz`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`gateway ${name} did not answer within 60 s; see ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { name, child, pid: child.pid!, url: `${base}/graphql`, config };
}

// ---- measurement -------------------------------------------------------------------------------

const totalCalls = (stats: UpstreamStats) =>
  Object.values(stats).reduce((n, s) => n + Object.values(s.operations).reduce((a, b) => a + b, 0), 0);
const breakdown = (stats: UpstreamStats) =>
  Object.entries(stats)
    .flatMap(([provider, s]) => Object.entries(s.operations).map(([op, n]) => `${provider}.${op}=${n}`))
    .join(' ');

interface Measured {
  key: string;
  group: number;
  title: string;
  phase: 'no-cache' | 'cache';
  latencyMs: number;
  minimum: Scenario['minimum'];
  note?: string;
  calls: number;
  callsDetail: string;
  repeatCalls: number;
  /** Calls a repeat may make within the cache TTL (secret values, never cached). */
  repeatAllowed: number;
  maxInFlight: Record<ProviderKey, number>;
  problems: string[];
  wallMs: number | null;
  wallSamplesMs: number[];
  boundMs: number | null;
  load:
    | (LoadResult & {
        callsPerRequest: number;
        gatewayCpuMsPerRequest: number | null;
        emulatorCpuMsPerRequest: number | null;
      })
    | null;
  peakRssMb: number | null;
  peakRssScoped: boolean;
}

async function measure(
  gateway: Gateway,
  scenario: Scenario,
  latencyMs: number,
  phase: Measured['phase'],
  withLoad: boolean,
  samples: number,
  limits: Limits,
): Promise<Measured> {
  await emulators.settle();
  const scoped = resetPeakRss(gateway.pid);
  await emulators.reset();
  const cold = await scenario.run(gateway.url);
  const coldStats = await emulators.stats();
  await emulators.reset();
  const repeat = await scenario.run(gateway.url);
  const repeatCalls = totalCalls(await emulators.stats());
  const wallSamplesMs: number[] = [];
  for (let i = 0; i < samples; i++) wallSamplesMs.push((await scenario.run(gateway.url)).ms);
  let loadResult: Measured['load'] = null;
  if (withLoad) {
    await emulators.reset();
    const gw0 = cpuMs(gateway.pid);
    const em0 = cpuMs(emulators.pid);
    const result = await load(gateway.url, cold.bodies, {
      connections: scenario.connections,
      durationS: opts.durationS,
    });
    const gw1 = cpuMs(gateway.pid);
    const em1 = cpuMs(emulators.pid);
    const perReq = (a: number | null, b: number | null) =>
      a === null || b === null || !result.requests ? null : (b - a) / result.requests;
    // Requests the gateway still works on after the load generator stopped make their calls too.
    await emulators.settle();
    // Each connection leaves one request in flight when the load generator stops; the gateway finishes it.
    loadResult = {
      ...result,
      callsPerRequest: totalCalls(await emulators.stats()) / Math.max(1, result.requests + result.connections),
      gatewayCpuMsPerRequest: perReq(gw0, gw1),
      emulatorCpuMsPerRequest: perReq(em0, em1),
    };
  }
  return {
    key: scenario.key,
    group: scenario.group,
    title: scenario.title,
    phase,
    latencyMs,
    minimum: scenario.minimum,
    note: scenario.note,
    calls: totalCalls(coldStats),
    callsDetail: breakdown(coldStats),
    repeatCalls,
    repeatAllowed: scenario.repeatCalls ?? 0,
    maxInFlight: Object.fromEntries(Object.entries(coldStats).map(([p, s]) => [p, s.maxInFlight])) as Record<
      ProviderKey,
      number
    >,
    problems: [...new Set([...cold.problems, ...repeat.problems])],
    wallMs: samples ? median(wallSamplesMs) : null,
    wallSamplesMs,
    boundMs: lowerBoundMs(scenario.minimum, latencyMs, limits),
    load: loadResult,
    peakRssMb: peakRssMb(gateway.pid),
    peakRssScoped: scoped,
  };
}

interface S6Run extends ThroughputReport {
  /** CPU per request of the target process, the emulators and this process (autocannon). */
  cpuMsPerRequest: number | null;
  emulatorCpuMsPerRequest: number | null;
  driverCpuMsPerRequest: number;
  callsPerRequest: number;
}

interface S6Result {
  provider: ProviderKey;
  gateway: S6Run & { heap: HeapReading | null };
  cache: (S6Run & { heap: HeapReading | null }) | null;
  bare: S6Run;
  sdk: ThroughputReport & { cpuMsPerRequest: number };
  sameResponse: boolean;
}

interface S6Target {
  name: string;
  url: string;
  pid: number;
}

/**
 * Scenario-6 load on several targets: each is warmed up, then they take turns (A B C A B C...)
 * so that drift on a shared 2-core machine falls on all of them alike. Rates are summed over
 * the rounds; p50/p99 are the means of the rounds'.
 */
async function s6Compare(targets: S6Target[], body: string, warmS: number): Promise<Record<string, S6Run>> {
  for (const t of targets) {
    await load(t.url, [body], { connections: opts.s6Connections, durationS: warmS });
    await emulators.settle();
  }
  for (const t of targets) resetPeakRss(t.pid);
  const acc = new Map(
    targets.map((t) => [
      t.name,
      {
        requests: 0,
        durationS: 0,
        errors: 0,
        p50: [] as number[],
        p99: [] as number[],
        cpu: 0 as number | null,
        emu: 0 as number | null,
        driver: 0,
        calls: 0,
        sent: 0,
      },
    ]),
  );
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  for (let round = 0; round < opts.s6Rounds; round++) {
    for (const t of targets) {
      const a = acc.get(t.name)!;
      await emulators.settle();
      await emulators.reset();
      const c0 = cpuMs(t.pid);
      const e0 = cpuMs(emulators.pid);
      const d0 = process.cpuUsage();
      const result = await load(t.url, [body], {
        connections: opts.s6Connections,
        durationS: opts.s6DurationS / opts.s6Rounds,
      });
      const d = process.cpuUsage(d0);
      const cpu = delta(c0, cpuMs(t.pid));
      const emu = delta(e0, cpuMs(emulators.pid));
      a.cpu = a.cpu === null || cpu === null ? null : a.cpu + cpu;
      a.emu = a.emu === null || emu === null ? null : a.emu + emu;
      a.driver += (d.user + d.system) / 1000;
      a.requests += result.requests;
      a.durationS += result.durationS;
      a.errors += result.errors;
      a.p50.push(result.p50Ms);
      a.p99.push(result.p99Ms);
      await emulators.settle();
      a.calls += totalCalls(await emulators.stats());
      a.sent += result.requests + result.connections;
    }
  }
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / Math.max(1, xs.length);
  return Object.fromEntries(
    targets.map((t) => {
      const a = acc.get(t.name)!;
      const per = (v: number | null) => (v === null || !a.requests ? null : v / a.requests);
      const run: S6Run = {
        requests: a.requests,
        errors: a.errors,
        durationMs: a.durationS * 1000,
        perSecond: a.requests / a.durationS,
        p50Ms: mean(a.p50),
        p99Ms: mean(a.p99),
        maxRssMb: peakRssMb(t.pid) ?? NaN,
        cpuMsPerRequest: per(a.cpu),
        emulatorCpuMsPerRequest: per(a.emu),
        driverCpuMsPerRequest: per(a.driver) ?? 0,
        callsPerRequest: a.calls / Math.max(1, a.sent),
      };
      return [t.name, run];
    }),
  );
}

interface HeapReading {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number | null;
}

/** The gateway's own heap figures from /metrics (prom-client default metrics), if it serves them. */
async function readHeap(graphqlUrl: string): Promise<HeapReading | null> {
  try {
    const response = await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'), { headers: requestHeaders() });
    if (!response.ok) return null;
    const text = await response.text();
    const value = (name: string) => {
      const match = new RegExp(`^\\w*${name}(?:\\{[^}]*\\})?\\s+([0-9.e+]+)`, 'm').exec(text);
      return match ? Number(match[1]) / 1048576 : null;
    };
    const used = value('nodejs_heap_size_used_bytes');
    const total = value('nodejs_heap_size_total_bytes');
    return used === null || total === null
      ? null
      : { heapUsedMb: used, heapTotalMb: total, externalMb: value('nodejs_external_memory_bytes') };
  } catch {
    return null;
  }
}

// ---- run ---------------------------------------------------------------------------------------

let emulators!: Emulators;

/** Scenario 7's target: a cold export within this many times its bound. */
const EXPORT_TARGET = 1.5;
/**
 * The export gateway's cache TTL: longer than a walk takes (an entry expiring mid-walk would be
 * read twice), short enough that waiting it out makes the next sample cold.
 */
const EXPORT_TTL_MS = 5000;

interface ExportMeasured {
  key: string;
  title: string;
  minimum: Scenario['minimum'];
  boundMs: number;
  gatewayMs: number;
  gatewaySamplesMs: number[];
  /** The same walk again at once, every provider page cached: what the GraphQL round trips cost alone. */
  warmMs: number;
  warmSamplesMs: number[];
  sdkMs: number;
  sdkSamplesMs: number[];
  /** ListSecrets calls of the walk and its read-ahead (the most over the samples). */
  listCalls: number;
  callsDetail: string;
  problems: string[];
}

const listCallsOf = (stats: UpstreamStats) =>
  Object.values(stats).reduce((n, s) => n + (s.operations.ListSecrets ?? 0), 0);

/**
 * Scenario 7: cold full exports at the export latency, walked through a gateway with the cache and
 * its read-ahead on (rate limits lifted as in the other scenarios), and by the SDK script, taking
 * turns sample by sample. Each gateway sample starts once the previous one's entries have expired.
 */
async function measureExports(inv: InventorySummary, limits: Limits): Promise<ExportMeasured[]> {
  const scenarios = exportScenarios(inv, limits);
  const gateway = await startGateway('export', { ttlMs: EXPORT_TTL_MS, staleMs: 0, readAhead: true });
  const sdkChild = spawnIpcChild('bench/children/sdk-baseline.ts', {
    log: join(LOGS, 'sdk-export.log'),
    name: 'sdk-export',
  });
  children.push(sdkChild.child);
  await sdkChild.ipc.event('ready');
  const saeNamespaces = [...inv.sae.namespaces].map((n) => n.id).sort((a, b) => a.localeCompare(b));
  const targetsOf = (providers: ProviderKey[]): SdkExportTarget[] =>
    providers.map((provider) => ({
      provider,
      url: emulators.urls[provider],
      scopes:
        provider === 'sae'
          ? saeNamespaces
          : provider === 'csms'
            ? [inv.csms.projectId]
            : provider === 'aws'
              ? [inv.aws.region]
              : [],
      concurrency: limits.concurrency[provider],
    }));
  const sdkExport = (providers: ProviderKey[]) =>
    sdkChild.ipc.request<{ ms: number; rows: number; calls: number }>('export', { targets: targetsOf(providers) });
  let sampleStarted = 0;
  // Whatever the last gateway sample cached has expired (and the whole-response cache, whose TTL is the same).
  const expired = () =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, sampleStarted + EXPORT_TTL_MS + 100 - Date.now())));
  // Warm-up at 0 ms: JIT, connection pools, the CSMS IAM token of both clients.
  await emulators.setLatency(0);
  for (const scenario of scenarios) {
    await scenario.run(gateway.url);
    await sdkExport(scenario.providers!);
  }
  await emulators.setLatency(opts.exportLatencyMs);
  const out: ExportMeasured[] = [];
  for (const scenario of scenarios) {
    const gatewaySamplesMs: number[] = [];
    const warmSamplesMs: number[] = [];
    const sdkSamplesMs: number[] = [];
    const problems: string[] = [];
    let listCalls = 0;
    let callsDetail = '';
    for (let i = 0; i < opts.samples; i++) {
      await expired();
      await emulators.settle();
      await emulators.reset();
      sampleStarted = Date.now();
      const walked = await scenario.run(gateway.url);
      gatewaySamplesMs.push(walked.ms);
      problems.push(...walked.problems);
      // The read-ahead may still be on its way when the client is done: its calls count too.
      await emulators.settle();
      const stats = await emulators.stats();
      if (listCallsOf(stats) >= listCalls) [listCalls, callsDetail] = [listCallsOf(stats), breakdown(stats)];
      const warm = await scenario.run(gateway.url);
      warmSamplesMs.push(warm.ms);
      problems.push(...warm.problems);
      await emulators.settle();
      const warmCalls = listCallsOf(await emulators.stats()) - listCallsOf(stats);
      if (warmCalls > 0) problems.push(`the warm walk made ${warmCalls} list calls`);
      const sdk = await sdkExport(scenario.providers!);
      sdkSamplesMs.push(sdk.ms);
    }
    const m: ExportMeasured = {
      key: scenario.key,
      title: scenario.title,
      minimum: scenario.minimum,
      boundMs: lowerBoundMs(scenario.minimum, opts.exportLatencyMs, limits),
      gatewayMs: median(gatewaySamplesMs),
      gatewaySamplesMs,
      warmMs: median(warmSamplesMs),
      warmSamplesMs,
      sdkMs: median(sdkSamplesMs),
      sdkSamplesMs,
      listCalls,
      callsDetail,
      problems: [...new Set(problems)],
    };
    out.push(m);
    progress(
      `  export ${scenario.key}: ${fmt(m.gatewayMs, 1)} ms (warm ${fmt(m.warmMs, 1)}, SDK ${fmt(m.sdkMs, 1)}, bound ${fmt(m.boundMs)}) = ${(m.gatewayMs / m.boundMs).toFixed(2)}x bound; list calls ${listCalls}/${m.minimum.calls}${m.problems.length ? ` PROBLEMS: ${m.problems.slice(0, 2).join('; ')}` : ''}`,
    );
  }
  await stopChild(sdkChild.child);
  await stopChild(gateway.child);
  await emulators.setLatency(0);
  return out;
}

async function main(): Promise<void> {
  progress(
    `bench: ${quick ? 'quick' : 'full'} run, scale ${opts.scale}, latencies ${opts.latencies.join('/')} ms, load ${opts.durationS}s x ${opts.connections} conn, scenario 6 ${opts.s6DurationS}s x ${opts.s6Connections} conn`,
  );
  const cpuAtStart = cpuSnapshot(children);
  let loadAtStart = 'unknown';
  try {
    loadAtStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  emulators = await startEmulators();
  const inv = emulators.inventory;
  progress(
    `emulators: SAE ${inv.sae.namespaces.reduce((n, x) => n + x.count, 0)} secrets in ${inv.sae.namespaces.length} namespaces, APIG ${inv.apig.total}, KMS ${inv.kms.total}, CSMS ${inv.csms.total}, AWS ${inv.aws.total}`,
  );

  const gateway = await startGateway('no-cache', opts.noCachePolicy);
  const idleRssMb = rssMb(gateway.pid);
  const limits: Limits = {
    concurrency: Object.fromEntries(
      PROVIDER_KEYS.map((p) => [p, limitsOf(gateway.config, p).maxConcurrency]),
    ) as Limits['concurrency'],
    rate: Object.fromEntries(PROVIDER_KEYS.map((p) => [p, limitsOf(gateway.config, p).rateLimit])) as Limits['rate'],
    discoverNamespaces: opts.discoverNamespaces,
  };
  const scenarios = buildScenarios(inv, limits, { connections: opts.connections }).filter(
    (s) => !opts.only || opts.only.has(s.group),
  );

  // Warm-up: JIT, connection pools, the CSMS IAM token (once per process, not part of any scenario).
  await emulators.setLatency(0);
  for (const s of buildScenarios(inv, limits, { connections: 1 })) {
    const outcome = await s.run(gateway.url);
    if (outcome.problems.length) progress(`  warm-up ${s.key}: ${outcome.problems.slice(0, 3).join('; ')}`);
  }
  const warmRssMb = rssMb(gateway.pid);

  const measured: Measured[] = [];
  for (const latency of opts.latencies) {
    await emulators.setLatency(latency);
    for (const s of scenarios) {
      const m = await measure(gateway, s, latency, 'no-cache', true, opts.samples, limits);
      measured.push(m);
      progress(
        `  ${latency}ms ${s.key}: calls ${m.calls}/${m.minimum.calls} repeat ${m.repeatCalls} wall ${fmt(m.wallMs, 1)}/${fmt(m.boundMs)} ms load ${fmt(m.load?.perSecond, 1)} req/s${m.problems.length ? ` PROBLEMS: ${m.problems.slice(0, 2).join('; ')}` : ''}`,
      );
    }
  }

  const exports = !opts.only || opts.only.has(7) ? await measureExports(inv, limits) : [];

  // Scenario 6: a page of 50 (scenario 1) at 0 ms, gateway vs bare yoga vs SDK script.
  const s6: S6Result[] = [];
  let s6Cpu: ReturnType<typeof foreignShare> = null;
  let cacheGateway: Gateway | null = null;
  const cacheMeasured: Measured[] = [];
  if (!opts.only || opts.only.has(6) || opts.only.has(1)) {
    await emulators.setLatency(0);
    if (opts.cachePhase) {
      cacheGateway = await startGateway('cache', opts.cachePolicy);
      // Warm-up that does not touch the measured queries' cache entries: one row per source.
      for (const source of Object.values(SOURCE_IDS))
        await post(
          cacheGateway.url,
          JSON.stringify({ query: `{ secrets(first: 1, filter: { sources: ["${source}"] }) { edges { cursor } } }` }),
        );
      for (const s of scenarios) {
        const m = await measure(cacheGateway, s, 0, 'cache', false, 0, limits);
        cacheMeasured.push(m);
        progress(`  cache ${s.key}: calls ${m.calls}/${m.minimum.calls} repeat ${m.repeatCalls}`);
      }
    }
  }
  if (!opts.only || opts.only.has(6)) {
    const bareChild = spawnIpcChild('bench/children/bare-yoga.ts', {
      log: join(LOGS, 'bare-yoga.log'),
      name: 'bare-yoga',
    });
    children.push(bareChild.child);
    await bareChild.ipc.event('ready');
    const typeDefs = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
    const byProvider = new Map(
      buildScenarios(inv, limits, { connections: opts.s6Connections })
        .filter((s) => s.group === 1)
        .map((s) => [s.provider!, s]),
    );
    let first = true;
    const cpuAtS6 = cpuSnapshot(children);
    for (const provider of opts.s6Providers) {
      const scenario = byProvider.get(provider)!;
      const [body] = (await scenario.run(gateway.url)).bodies;
      const answer = await post(gateway.url, body);
      if (problemsOf(answer).length)
        throw new Error(`scenario 6 ${provider}: the gateway's answer has problems: ${problemsOf(answer).join('; ')}`);
      const { url: bareUrl } = await bareChild.ipc.request<{ url: string }>('start', {
        typeDefs,
        data: answer.body!.data,
      });
      const bareAnswer = await post(bareUrl, body);
      const sameResponse = JSON.stringify(bareAnswer.body) === JSON.stringify(answer.body);

      // Fresh processes (bare yoga, the SDK script) need several seconds of load before V8 settles.
      const warmS = first ? opts.s6WarmS : Math.min(2, opts.s6WarmS);
      const targets: S6Target[] = [
        { name: 'gateway', url: gateway.url, pid: gateway.pid },
        ...(cacheGateway ? [{ name: 'cache', url: cacheGateway.url, pid: cacheGateway.pid }] : []),
        { name: 'bare', url: bareUrl, pid: bareChild.child.pid! },
      ];
      const runs = await s6Compare(targets, body, warmS);
      const heap = await readHeap(gateway.url);
      const cacheHeap = cacheGateway ? await readHeap(cacheGateway.url) : null;

      const sdkChild = spawnIpcChild('bench/children/sdk-baseline.ts', {
        log: join(LOGS, `sdk-${provider}.log`),
        name: `sdk-${provider}`,
      });
      children.push(sdkChild.child);
      await sdkChild.ipc.event('ready');
      const sdkArgs: SdkBaselineArgs = {
        provider,
        url: emulators.urls[provider],
        scope:
          provider === 'sae'
            ? [...inv.sae.namespaces].map((n) => n.id).sort((a, b) => a.localeCompare(b))[0]
            : provider === 'aws'
              ? inv.aws.region
              : inv.csms.projectId,
        pageSize: JSON.parse(body).variables.first as number,
        concurrency: opts.s6Connections,
        durationS: opts.s6DurationS,
        // A fresh process each time: it needs its warm-up every time.
        warmupS: first ? opts.s6WarmS : Math.min(3, opts.s6WarmS),
      };
      await emulators.settle();
      const sdk = await sdkChild.ipc.request<ThroughputReport & { cpuMsPerRequest: number }>('run', sdkArgs);
      await stopChild(sdkChild.child);
      first = false;

      s6.push({
        provider,
        gateway: { ...runs.gateway, heap },
        cache: runs.cache ? { ...runs.cache, heap: cacheHeap } : null,
        bare: runs.bare,
        sdk,
        sameResponse,
      });
      progress(
        `  s6 ${provider}: gateway ${fmt(runs.gateway.perSecond)} req/s, bare yoga ${fmt(runs.bare.perSecond)} req/s, SDK ${fmt(sdk.perSecond)} calls/s${runs.cache ? `, cached gateway ${fmt(runs.cache.perSecond)} req/s` : ''}`,
      );
    }
    s6Cpu = foreignShare(cpuAtS6, cpuSnapshot(children));
    await stopChild(bareChild.child);
  }

  const profiles: Array<{ title: string; text: string }> = [];
  if (opts.profile && s6.length) {
    const provider = s6[0].provider;
    const variants: Array<{ name: string; title: string; cache: { [key: string]: Json } | null }> = [
      { name: 'profile', title: `gateway without the cache, scenario 6 (${provider})`, cache: opts.noCachePolicy },
    ];
    if (opts.cachePhase)
      variants.push({
        name: 'profile-cache',
        title: `gateway with the cache, scenario 6 (${provider})`,
        cache: opts.cachePolicy,
      });
    for (const variant of variants) {
      const dir = join(OUT, variant.name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const profiled = await startGateway(variant.name, variant.cache, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
      const scenario = buildScenarios(inv, limits, { connections: 1 }).find((s) => s.key === `1-${provider}`)!;
      const [body] = (await scenario.run(profiled.url)).bodies;
      await load(profiled.url, [body], { connections: opts.s6Connections, durationS: 2 });
      const startUs = Number(process.hrtime.bigint() / 1000n);
      await load(profiled.url, [body], { connections: opts.s6Connections, durationS: Math.max(4, opts.s6DurationS) });
      const endUs = Number(process.hrtime.bigint() / 1000n);
      await stopChild(profiled.child);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      profiles.push({
        title: variant.title,
        text: file
          ? summarizeProfile(join(dir, file), ROOT, { startUs, endUs }, 12)
          : 'no profile written (the gateway did not exit cleanly)',
      });
    }
  }

  // ---- report -----------------------------------------------------------------------------------
  const rows: Row[] = [];
  const targets: TargetResult[] = [];
  const callTarget = (m: Measured) => m.calls <= m.minimum.calls;
  const clean = (m: Measured) => m.problems.length === 0 && (m.load?.errors ?? 0) === 0;
  for (const e of exports) {
    const x = e.gatewayMs / e.boundMs;
    const met = x <= EXPORT_TARGET && e.listCalls <= e.minimum.calls && e.problems.length === 0;
    rows.push({
      group: '7',
      scenario: e.title,
      latencyMs: opts.exportLatencyMs,
      calls: `${e.listCalls} / ${e.minimum.calls}`,
      repeat: '—',
      wall: `${fmt(e.gatewayMs, 1)} / ${fmt(e.boundMs)} (${x.toFixed(2)}x)`,
      connections: '1',
      latency: '—',
      perSecond: '—',
      rssMb: '—',
      target: `${met ? 'yes' : 'no'}: SDK ${fmt(e.sdkMs, 1)} ms, ${(e.gatewayMs / e.sdkMs).toFixed(2)}x SDK${e.problems.length ? `; ${e.problems.slice(0, 2).join('; ')}` : ''}`,
    });
  }
  for (const m of [...measured, ...cacheMeasured]) {
    const verdicts: string[] = [];
    if (!callTarget(m)) verdicts.push(`calls ${m.calls}>${m.minimum.calls}`);
    if (!clean(m)) verdicts.push(m.problems.length ? 'errors in response' : `${m.load!.errors} failed under load`);
    if (m.phase === 'cache' && m.repeatCalls > m.repeatAllowed)
      verdicts.push(`repeat ${m.repeatCalls}≠${m.repeatAllowed}`);
    if (m.group === 2 && m.latencyMs > 0 && m.wallMs !== null && m.boundMs) {
      const ratio = m.wallMs / m.boundMs;
      if (ratio > 1.15) verdicts.push(`wall ${ratio.toFixed(2)}x>1.15x`);
    }
    rows.push({
      group: String(m.group),
      scenario: m.phase === 'cache' ? `${m.title} (cache)` : m.title,
      latencyMs: m.latencyMs,
      calls: `${m.calls} / ${m.minimum.calls}`,
      repeat: String(m.repeatCalls),
      wall:
        m.wallMs === null
          ? '—'
          : m.boundMs
            ? `${fmt(m.wallMs, 1)} / ${fmt(m.boundMs)} (${(m.wallMs / m.boundMs).toFixed(2)}x)`
            : `${fmt(m.wallMs, 1)} / 0`,
      connections: m.load ? String(m.load.connections) : '—',
      latency: m.load ? `${fmt(m.load.p50Ms)} / ${fmt(m.load.p99Ms)}` : '—',
      perSecond: m.load ? fmt(m.load.perSecond, 1) : '—',
      rssMb: `${fmt(m.peakRssMb)}${m.peakRssScoped ? '' : '*'}`,
      target: verdicts.length ? `no: ${verdicts.join('; ')}` : 'yes',
    });
  }
  for (const r of s6) {
    const ratio = r.gateway.perSecond / r.bare.perSecond;
    const name = NAMES[r.provider];
    const gwVerdicts = [
      ratio >= 0.7 ? `${(ratio * 100).toFixed(0)}% of bare ≥70%` : `${(ratio * 100).toFixed(0)}% of bare <70%`,
      r.gateway.maxRssMb < 200 ? 'RSS<200' : 'RSS≥200',
    ];
    const gwMet = ratio >= 0.7 && r.gateway.maxRssMb < 200 && r.gateway.errors === 0;
    rows.push({
      group: '6',
      scenario: `${name} page of 50: gateway`,
      latencyMs: 0,
      calls: `${fmt(r.gateway.callsPerRequest, 2)}/req`,
      repeat: '—',
      wall: '—',
      connections: String(opts.s6Connections),
      latency: `${fmt(r.gateway.p50Ms)} / ${fmt(r.gateway.p99Ms)}`,
      perSecond: fmt(r.gateway.perSecond, 1),
      rssMb: fmt(r.gateway.maxRssMb),
      target: `${gwMet ? 'yes' : 'no'}: ${gwVerdicts.join(', ')}${r.gateway.errors ? `, ${r.gateway.errors} errors` : ''}`,
    });
    if (r.cache) {
      const cr = r.cache.perSecond / r.bare.perSecond;
      const cacheVerdicts = [
        `${(cr * 100).toFixed(0)}% of bare ${cr >= 1 ? '≥' : '<'}100%`,
        r.cache.maxRssMb < 200 ? 'RSS<200' : 'RSS≥200',
      ];
      const cacheMet = cr >= 1 && r.cache.maxRssMb < 200 && r.cache.errors === 0;
      rows.push({
        group: '6',
        scenario: `${name} page of 50: gateway (cache)`,
        latencyMs: 0,
        calls: `${fmt(r.cache.callsPerRequest, 2)}/req`,
        repeat: '—',
        wall: '—',
        connections: String(opts.s6Connections),
        latency: `${fmt(r.cache.p50Ms)} / ${fmt(r.cache.p99Ms)}`,
        perSecond: fmt(r.cache.perSecond, 1),
        rssMb: fmt(r.cache.maxRssMb),
        target: `${cacheMet ? 'yes' : 'no'}: ${cacheVerdicts.join(', ')}${r.cache.errors ? `, ${r.cache.errors} errors` : ''}`,
      });
    }
    rows.push({
      group: '6',
      scenario: `${name} page of 50: bare yoga (ref)`,
      latencyMs: 0,
      calls: '0',
      repeat: '—',
      wall: '—',
      connections: String(opts.s6Connections),
      latency: `${fmt(r.bare.p50Ms)} / ${fmt(r.bare.p99Ms)}`,
      perSecond: fmt(r.bare.perSecond, 1),
      rssMb: fmt(r.bare.maxRssMb),
      target: r.sameResponse ? 'ref (same body)' : 'ref (BODY DIFFERS)',
    });
    rows.push({
      group: '6',
      scenario: `${name} page of 50: SDK + JSON.stringify (ref)`,
      latencyMs: 0,
      calls: '1/call',
      repeat: '—',
      wall: '—',
      connections: String(opts.s6Connections),
      latency: `${fmt(r.sdk.p50Ms)} / ${fmt(r.sdk.p99Ms)}`,
      perSecond: fmt(r.sdk.perSecond, 1),
      rssMb: fmt(r.sdk.maxRssMb),
      target: `ref: gateway = ${((r.gateway.perSecond / r.sdk.perSecond) * 100).toFixed(0)}% of it`,
    });
  }

  // Targets.
  const all = [...measured, ...cacheMeasured];
  const over = all.filter((m) => !callTarget(m));
  targets.push({
    target: 'upstream calls equal the minimum in every scenario',
    status: over.length ? 'unmet' : all.length ? 'met' : 'not measured',
    detail: over.length
      ? over
          .map(
            (m) =>
              `${m.key}${m.phase === 'cache' ? ' (cache)' : ''} @${m.latencyMs}ms: ${m.calls} > ${m.minimum.calls} (${m.callsDetail})`,
          )
          .join('; ')
      : `${all.length} measurements at or under their minimum`,
  });
  const repeatRows = cacheMeasured.length
    ? cacheMeasured
    : measured.filter((m) => m.group === 1 && m.latencyMs === opts.latencies[0]);
  const repeatBad = repeatRows.filter((m) => m.repeatCalls > m.repeatAllowed);
  targets.push({
    target: 'zero calls for a repeated query within the cache TTL',
    status: !repeatRows.length ? 'not measured' : repeatBad.length || !cacheMeasured.length ? 'unmet' : 'met',
    detail: cacheMeasured.length
      ? repeatBad.length
        ? `repeat calls: ${repeatBad.map((m) => `${m.key} ${m.repeatCalls}`).join(', ')}`
        : `every scenario repeated with 0 calls, secret values excepted (never cached; cache policy ${opts.cachePolicy ? JSON.stringify(opts.cachePolicy) : "the gateway's default"})`
      : `cache phase not run (--no-cache-phase): scenario 1 repeated made ${repeatRows.map((m) => `${m.key} ${m.repeatCalls}`).join(', ')} calls`,
  });
  const s2 = measured.filter((m) => m.group === 2 && m.latencyMs >= 20);
  targets.push({
    target: 'scenario 2 at 20 ms: wall time within 1.15x of its lower bound',
    status: !s2.length ? 'not measured' : s2.every((m) => m.wallMs! / m.boundMs! <= 1.15) ? 'met' : 'unmet',
    detail:
      s2
        .map(
          (m) =>
            `${fmt(m.wallMs, 1)} ms vs ${m.boundMs} ms (${m.minimum.rounds} rounds × ${m.latencyMs} ms) = ${(m.wallMs! / m.boundMs!).toFixed(3)}x`,
        )
        .join('; ') || 'run with 20 in --latencies',
  });
  targets.push({
    target: 'scenario 6 without the cache: ≥ 70% of bare-yoga throughput',
    status: !s6.length
      ? 'not measured'
      : s6.every((r) => r.gateway.perSecond / r.bare.perSecond >= 0.7)
        ? 'met'
        : 'unmet',
    detail: s6
      .map(
        (r) =>
          `${r.provider} ${fmt(r.gateway.perSecond)} vs ${fmt(r.bare.perSecond)} req/s = ${((r.gateway.perSecond / r.bare.perSecond) * 100).toFixed(0)}%`,
      )
      .join('; '),
  });
  targets.push({
    target: 'scenario 6 with the cache: ≥ 100% of bare-yoga throughput',
    status: !s6.some((r) => r.cache)
      ? 'not measured'
      : s6.every((r) => r.cache && r.cache.perSecond >= r.bare.perSecond)
        ? 'met'
        : 'unmet',
    detail: s6.some((r) => r.cache)
      ? s6
          .map(
            (r) =>
              `${r.provider} ${fmt(r.cache?.perSecond)} vs ${fmt(r.bare.perSecond)} req/s = ${(((r.cache?.perSecond ?? 0) / r.bare.perSecond) * 100).toFixed(0)}%`,
          )
          .join('; ')
      : 'cache phase not run',
  });
  const s6Rss = s6.flatMap((r) => [r.gateway.maxRssMb, ...(r.cache ? [r.cache.maxRssMb] : [])]);
  targets.push({
    target: 'peak memory under scenario 6 below 200 MB',
    status: !s6Rss.length ? 'not measured' : Math.max(...s6Rss) < 200 ? 'met' : 'unmet',
    detail: s6Rss.length ? `gateway peak RSS ${fmt(Math.max(...s6Rss))} MB (max over ${s6Rss.length} runs)` : '',
  });

  targets.push({
    target: `scenario 7 at ${opts.exportLatencyMs} ms: cold export within ${EXPORT_TARGET}x of its bound, with no more list calls than the minimum`,
    status: !exports.length
      ? 'not measured'
      : exports.every(
            (e) =>
              e.gatewayMs / e.boundMs <= EXPORT_TARGET && e.listCalls <= e.minimum.calls && e.problems.length === 0,
          )
        ? 'met'
        : 'unmet',
    detail: exports
      .map(
        (e) =>
          `${e.key.replace('7-export-', '')} ${fmt(e.gatewayMs, 1)} ms vs ${fmt(e.boundMs)} ms = ${(e.gatewayMs / e.boundMs).toFixed(2)}x (SDK ${fmt(e.sdkMs, 1)} ms; ${e.listCalls}/${e.minimum.calls} list calls)`,
      )
      .join('; '),
  });

  const heapText = (h: HeapReading | null) =>
    h ? `, heap ${fmt(h.heapUsedMb)}/${fmt(h.heapTotalMb)} MB used/total` : '';
  const cpuLines = s6.map(
    (r) =>
      `- ${r.provider}: gateway ${fmt(r.gateway.cpuMsPerRequest, 2)} ms CPU/req (+ emulators ${fmt(r.gateway.emulatorCpuMsPerRequest, 2)}, autocannon ${fmt(r.gateway.driverCpuMsPerRequest, 2)})${heapText(r.gateway.heap)}; ` +
      `${r.cache ? `cached gateway ${fmt(r.cache.cpuMsPerRequest, 2)} ms CPU/req (+ emulators ${fmt(r.cache.emulatorCpuMsPerRequest, 2)}); ` : ''}` +
      `bare yoga ${fmt(r.bare.cpuMsPerRequest, 2)} ms CPU/req (+ autocannon ${fmt(r.bare.driverCpuMsPerRequest, 2)}); SDK script ${fmt(r.sdk.cpuMsPerRequest, 2)} ms CPU/call` +
      // A gateway whose GraphQL layer cost exactly what bare yoga's does, plus the provider call the
      // SDK script measures, would use bare + SDK CPU per request: its throughput ceiling, as a share of bare yoga's.
      (r.bare.cpuMsPerRequest && r.sdk.cpuMsPerRequest
        ? `; ceiling bare/(bare + SDK call) = ${fmt((100 * r.bare.cpuMsPerRequest) / (r.bare.cpuMsPerRequest + r.sdk.cpuMsPerRequest))}% of bare`
        : ''),
  );
  const notes = [
    ...new Set(
      all.filter((m) => m.note).map((m) => `- ${m.key}: minimum ${m.minimum.calls} = ${m.minimum.detail}; ${m.note}`),
    ),
  ];
  const minimums = [
    ...new Map(all.map((m) => [m.key, `- ${m.key}: ${m.minimum.detail}; ${m.minimum.rounds} round(s)`])).values(),
  ];
  const overLoad = all
    .filter((m) => m.load && m.load.callsPerRequest > m.minimum.calls * 1.01 + 0.01)
    .map((m) => `${m.key} @${m.latencyMs}ms ${m.load!.callsPerRequest.toFixed(2)}/req`);
  const cacheSuspected = measured.filter((m) => m.calls > 0 && m.repeatCalls === 0);

  const runCpu = foreignShare(cpuAtStart, cpuSnapshot(children));
  const share = (x: ReturnType<typeof foreignShare>) =>
    x
      ? `${(x.foreign * 100).toFixed(0)}% of the machine's CPU (machine busy ${(x.busy * 100).toFixed(0)}%)`
      : 'not measured';
  const noise = `other processes used ${share(runCpu)} over the whole run${s6Cpu ? `, ${share(s6Cpu)} during scenario 6` : ''}; load average at start ${loadAtStart}`;
  const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}`;
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const text = [
    `secrets-gateway benchmark — ${new Date().toISOString()}`,
    `machine: ${machine}`,
    `command: ${command}`,
    `noise: ${noise}${(runCpu?.foreign ?? 0) > 0.1 || (s6Cpu?.foreign ?? 0) > 0.1 ? ' — WARNING: the machine was not quiet; throughput figures are low and noisy' : ''}`,
    `data: scale ${opts.scale} — SAE ${inv.sae.namespaces.reduce((n, x) => n + x.count, 0)} secrets in ${inv.sae.namespaces.length} namespaces (${opts.discoverNamespaces ? 'discovered' : 'listed in the config'}), APIG ${inv.apig.total}, KMS ${inv.kms.total}, CSMS ${inv.csms.total}, AWS ${inv.aws.total}`,
    `limits: maxConcurrency ${PROVIDER_KEYS.map((p) => `${p} ${limits.concurrency[p]}`).join(', ')}; rate limits ${opts.keepRateLimits ? PROVIDER_KEYS.map((p) => `${p} ${limits.rate[p] ? `${limits.rate[p]!.perSecond}/s burst ${limits.rate[p]!.burst}` : 'none'}`).join(', ') : 'lifted (emulators have no quota)'}; cache off on the main gateway${opts.cachePhase ? `, ${opts.cachePolicy ? JSON.stringify(opts.cachePolicy) : 'default policy'} on the "(cache)" gateway` : ''}`,
    `gateway process: node ${[...gatewayStartFlags, ...opts.gatewayNodeArgs].join(' ')} ${gatewayEntry} (built and run as npm start does); RSS ${fmt(idleRssMb)} MB idle after start, ${fmt(warmRssMb)} MB after one request of each scenario`,
    `load ${opts.durationS}s per scenario, wall = median of ${opts.samples}; scenario 6: ${opts.s6WarmS}s warm-up, then ${opts.s6DurationS}s per target in ${opts.s6Rounds} alternating turns, ${opts.s6Connections} connections`,
    '',
    table(rows),
    '',
    `* peak RSS since the gateway started (the kernel's peak mark could not be reset per scenario)`,
    '',
    'Minimum calls (per request; lower bound = rounds × latency):',
    ...minimums,
    ...(exports.length
      ? [
          '',
          `Cold export (scenario 7): a forward walk with first: 100 at ${opts.exportLatencyMs} ms on a gateway whose cache (TTL ${EXPORT_TTL_MS} ms, read-ahead on) is empty at the start of each sample, next to a hand-written SDK export of the same rows in the same run; medians of ${opts.samples}. Bound = rounds × latency (see plan.ts exportMinimum). Warm = the same walk again at once, every provider page cached (the GraphQL round trips alone); cold − warm = the upstream wait the read-ahead did not hide.`,
          ...exports.map(
            (e) =>
              `- ${e.key}: cold export ${fmt(e.gatewayMs, 1)} ms, SDK ${fmt(e.sdkMs, 1)} ms, bound ${fmt(e.boundMs)} ms (${e.minimum.rounds} rounds); ratio ${(e.gatewayMs / e.boundMs).toFixed(2)}x bound, ${(e.gatewayMs / e.sdkMs).toFixed(2)}x SDK; warm ${fmt(e.warmMs, 1)} ms, cold − warm ${fmt(e.gatewayMs - e.warmMs, 1)} ms = ${((e.gatewayMs - e.warmMs) / e.boundMs).toFixed(2)}x bound; list calls ${e.listCalls} vs minimum ${e.minimum.calls} (${e.minimum.detail}); samples ${e.gatewaySamplesMs.map((v) => fmt(v)).join('/')} ms`,
          ),
        ]
      : []),
    ...(notes.length ? ['', 'Notes:', ...notes] : []),
    ...(overLoad.length ? ['', `Calls per request under load above the minimum: ${overLoad.join(', ')}`] : []),
    ...(cacheSuspected.length
      ? [
          '',
          `Warning: repeated requests made no calls in the no-cache gateway (${cacheSuspected.map((m) => m.key).join(', ')}): a cache seems active by default, so wall times there may be cache hits; disable it with --config-extra.`,
        ]
      : []),
    ...(cpuLines.length
      ? [
          '',
          'CPU per request under scenario-6 load (2 cores shared by gateway, emulators and autocannon):',
          ...cpuLines,
        ]
      : []),
    ...profiles.flatMap((p) => ['', `CPU profile of the ${p.title}:`, p.text]),
    '',
    'Targets:',
    targetList(targets),
    '',
    `total bench time ${((performance.now() - runStarted) / 1000).toFixed(0)} s`,
  ].join('\n');

  console.log(`\n${text}`);
  writeFileSync(join(OUT, 'latest.md'), `${text}\n`);
  const json = {
    date: new Date().toISOString(),
    machine,
    command,
    noise: { run: runCpu, scenario6: s6Cpu, loadAtStart },
    gatewayRssMb: { idle: idleRssMb, afterWarmUp: warmRssMb },
    profiles,
    options: opts,
    inventory: { ...inv, kms: { ...inv.kms, names: undefined }, sae: { ...inv.sae, refIds: undefined } },
    limits,
    measured,
    cacheMeasured,
    exports,
    scenario6: s6,
    targets,
    rows,
  };
  writeFileSync(join(OUT, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(
    join(OUT, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(json, null, 2)}\n`,
  );
}

async function shutdown(): Promise<void> {
  await Promise.all(children.map((c) => stopChild(c)));
}

process.on('SIGINT', () => void shutdown().then(() => process.exit(130)));
main()
  .then(shutdown)
  .catch(async (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await shutdown();
    process.exit(1);
  });
