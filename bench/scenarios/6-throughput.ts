/**
 * Scenario 6: scenario 1's page of 50 at 0 ms under load, per provider: the gateway without and
 * with the cache against a bare graphql-yoga answering the same body from memory, and against a
 * script making the same provider call with the same SDK. Targets: ≥ 70% of bare yoga's
 * throughput without the cache, ≥ 100% with it, peak RSS below 200 MB. With --profile, also
 * CPU-profiles the gateway under this load.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SdkBaselineArgs } from '../children/sdk-baseline.js';
import type { Bench, JsonObject, RunScenario, ScenarioReport } from '../lib/bench.js';
import { post, problemsOf, requestHeaders } from '../lib/graphql.js';
import { NAMES } from '../lib/cases.js';
import { load } from '../lib/load.js';
import { cpuSnapshot, foreignShare, ROOT, stopChild } from '../lib/processes.js';
import { summarizeProfile } from '../lib/profile.js';
import { fmt, type Row, type TargetResult } from '../lib/report.js';
import { takeTurns, type TurnRun, type TurnTarget } from '../lib/turns.js';
import type { ProviderKey, ThroughputReport } from '../lib/types.js';
import { pageCases } from './1-page.js';

const RSS_LIMIT_MB = 200;

export interface HeapReading {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number | null;
}

interface ProviderResult {
  provider: ProviderKey;
  gateway: TurnRun & { heap: HeapReading | null };
  cache: (TurnRun & { heap: HeapReading | null }) | null;
  bare: TurnRun;
  sdk: ThroughputReport & { cpuMsPerRequest: number };
  sameResponse: boolean;
}

interface Throughput {
  providers: ProviderResult[];
  /** CPU other processes used during the scenario. */
  noise: ReturnType<typeof foreignShare>;
  profiles: Array<{ title: string; text: string }>;
}

async function run(bench: Bench): Promise<Throughput> {
  const { emulators, gateway, options } = bench;
  const inv = emulators.inventory;
  await emulators.setLatency(0);
  const cacheGateway = await bench.cacheGateway();
  const bare = await bench.startChild('bench/children/bare-yoga.ts', 'bare-yoga');
  const typeDefs = readFileSync(join(ROOT, 'schema.graphql'), 'utf8');
  const pages = new Map(pageCases(inv, bench.limits, options.s6Connections).map((c) => [c.provider, c]));
  const providers: ProviderResult[] = [];
  let first = true;
  const cpuAtStart = cpuSnapshot(bench.children);
  for (const provider of options.s6Providers) {
    const [body] = (await pages.get(provider)!.run(gateway.url)).bodies;
    const answer = await post(gateway.url, body);
    if (problemsOf(answer).length)
      throw new Error(`scenario 6 ${provider}: the gateway's answer has problems: ${problemsOf(answer).join('; ')}`);
    const { url: bareUrl } = await bare.ipc.request<{ url: string }>('start', { typeDefs, data: answer.body!.data });
    const bareAnswer = await post(bareUrl, body);
    const sameResponse = JSON.stringify(bareAnswer.body) === JSON.stringify(answer.body);

    // Fresh processes (bare yoga, the SDK script) need several seconds of load before V8 settles.
    const targets: TurnTarget[] = [
      { name: 'gateway', url: gateway.url, pid: gateway.pid },
      ...(cacheGateway ? [{ name: 'cache', url: cacheGateway.url, pid: cacheGateway.pid }] : []),
      { name: 'bare', url: bareUrl, pid: bare.child.pid! },
    ];
    const runs = await takeTurns(bench, targets, body, {
      connections: options.s6Connections,
      warmS: first ? options.s6WarmS : Math.min(2, options.s6WarmS),
      durationS: options.s6DurationS,
      rounds: options.s6Rounds,
    });
    const heap = await readHeap(gateway.url);
    const cacheHeap = cacheGateway ? await readHeap(cacheGateway.url) : null;

    const sdkChild = await bench.startChild('bench/children/sdk-baseline.ts', `sdk-${provider}`);
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
      concurrency: options.s6Connections,
      durationS: options.s6DurationS,
      // A fresh process each time: it needs its warm-up every time.
      warmupS: first ? options.s6WarmS : Math.min(3, options.s6WarmS),
    };
    await emulators.settle();
    const sdk = await sdkChild.ipc.request<ThroughputReport & { cpuMsPerRequest: number }>('run', sdkArgs);
    await stopChild(sdkChild.child);
    first = false;

    providers.push({
      provider,
      gateway: { ...runs.gateway, heap },
      cache: runs.cache ? { ...runs.cache, heap: cacheHeap } : null,
      bare: runs.bare,
      sdk,
      sameResponse,
    });
    bench.progress(
      `  s6 ${provider}: gateway ${fmt(runs.gateway.perSecond)} req/s, bare yoga ${fmt(runs.bare.perSecond)} req/s, SDK ${fmt(sdk.perSecond)} calls/s${runs.cache ? `, cached gateway ${fmt(runs.cache.perSecond)} req/s` : ''}`,
    );
  }
  const noise = foreignShare(cpuAtStart, cpuSnapshot(bench.children));
  await stopChild(bare.child);
  const profiles = options.profile && providers.length ? await profile(bench, providers[0].provider) : [];
  return { providers, noise, profiles };
}

/** The gateway's own heap figures from /metrics (prom-client default metrics), if it serves them. */
export async function readHeap(graphqlUrl: string): Promise<HeapReading | null> {
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

/** --profile: a gateway of each policy started with --cpu-prof, under this scenario's load on `provider`. */
async function profile(bench: Bench, provider: ProviderKey): Promise<Throughput['profiles']> {
  const { options } = bench;
  const variants: Array<{ name: string; title: string; cache: JsonObject | null }> = [
    { name: 'profile', title: `gateway without the cache, scenario 6 (${provider})`, cache: options.noCachePolicy },
  ];
  if (options.cachePhase)
    variants.push({
      name: 'profile-cache',
      title: `gateway with the cache, scenario 6 (${provider})`,
      cache: options.cachePolicy,
    });
  const profiles: Throughput['profiles'] = [];
  for (const variant of variants) {
    const dir = join(bench.out, variant.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const profiled = await bench.startGateway(variant.name, variant.cache, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const page = pageCases(bench.emulators.inventory, bench.limits, 1).find((c) => c.provider === provider)!;
    const [body] = (await page.run(profiled.url)).bodies;
    await load(profiled.url, [body], { connections: options.s6Connections, durationS: 2 });
    const startUs = Number(process.hrtime.bigint() / 1000n);
    await load(profiled.url, [body], {
      connections: options.s6Connections,
      durationS: Math.max(4, options.s6DurationS),
    });
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
  return profiles;
}

function report(result: Throughput | null, bench: Bench): ScenarioReport {
  const { options } = bench;
  const s6 = result?.providers ?? [];
  const loadRow = (name: string, r: ThroughputReport): Omit<Row, 'calls' | 'target'> => ({
    group: '6',
    scenario: name,
    latencyMs: 0,
    repeat: '—',
    wall: '—',
    connections: String(options.s6Connections),
    latency: `${fmt(r.p50Ms)} / ${fmt(r.p99Ms)}`,
    perSecond: fmt(r.perSecond, 1),
    rssMb: fmt(r.maxRssMb),
  });
  const share = (of: TurnRun, bare: TurnRun) => of.perSecond / bare.perSecond;
  const rss = (mb: number) => (mb < RSS_LIMIT_MB ? `RSS<${RSS_LIMIT_MB}` : `RSS≥${RSS_LIMIT_MB}`);
  const rows: Row[] = s6.flatMap((r) => {
    const name = NAMES[r.provider];
    const ratio = share(r.gateway, r.bare);
    const gwMet = ratio >= 0.7 && r.gateway.maxRssMb < RSS_LIMIT_MB && r.gateway.errors === 0;
    const gwVerdicts = [`${(ratio * 100).toFixed(0)}% of bare ${ratio >= 0.7 ? '≥' : '<'}70%`, rss(r.gateway.maxRssMb)];
    const out: Row[] = [
      {
        ...loadRow(`${name} page of 50: gateway`, r.gateway),
        calls: `${fmt(r.gateway.callsPerRequest, 2)}/req`,
        target: `${gwMet ? 'yes' : 'no'}: ${gwVerdicts.join(', ')}${r.gateway.errors ? `, ${r.gateway.errors} errors` : ''}`,
      },
    ];
    if (r.cache) {
      const cr = share(r.cache, r.bare);
      const cacheMet = cr >= 1 && r.cache.maxRssMb < RSS_LIMIT_MB && r.cache.errors === 0;
      const cacheVerdicts = [`${(cr * 100).toFixed(0)}% of bare ${cr >= 1 ? '≥' : '<'}100%`, rss(r.cache.maxRssMb)];
      out.push({
        ...loadRow(`${name} page of 50: gateway (cache)`, r.cache),
        calls: `${fmt(r.cache.callsPerRequest, 2)}/req`,
        target: `${cacheMet ? 'yes' : 'no'}: ${cacheVerdicts.join(', ')}${r.cache.errors ? `, ${r.cache.errors} errors` : ''}`,
      });
    }
    out.push(
      {
        ...loadRow(`${name} page of 50: bare yoga (ref)`, r.bare),
        calls: '0',
        target: r.sameResponse ? 'ref (same body)' : 'ref (BODY DIFFERS)',
      },
      {
        ...loadRow(`${name} page of 50: SDK + JSON.stringify (ref)`, r.sdk),
        calls: '1/call',
        target: `ref: gateway = ${((r.gateway.perSecond / r.sdk.perSecond) * 100).toFixed(0)}% of it`,
      },
    );
    return out;
  });

  const targets: TargetResult[] = [];
  targets.push({
    target: 'scenario 6 without the cache: ≥ 70% of bare-yoga throughput',
    status: !s6.length ? 'not measured' : s6.every((r) => share(r.gateway, r.bare) >= 0.7) ? 'met' : 'unmet',
    detail: s6
      .map(
        (r) =>
          `${r.provider} ${fmt(r.gateway.perSecond)} vs ${fmt(r.bare.perSecond)} req/s = ${(share(r.gateway, r.bare) * 100).toFixed(0)}%`,
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
  const peaks = s6.flatMap((r) => [r.gateway.maxRssMb, ...(r.cache ? [r.cache.maxRssMb] : [])]);
  targets.push({
    target: `peak memory under scenario 6 below ${RSS_LIMIT_MB} MB`,
    status: !peaks.length ? 'not measured' : Math.max(...peaks) < RSS_LIMIT_MB ? 'met' : 'unmet',
    detail: peaks.length ? `gateway peak RSS ${fmt(Math.max(...peaks))} MB (max over ${peaks.length} runs)` : '',
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
  const profiles = result?.profiles ?? [];
  const sections = [
    ...(cpuLines.length
      ? [['CPU per request under scenario-6 load (2 cores shared by gateway, emulators and autocannon):', ...cpuLines]]
      : []),
    ...profiles.map((p) => [`CPU profile of the ${p.title}:`, p.text]),
  ];
  return {
    rows,
    sections,
    targets,
    json: { scenario6: s6, profiles },
    noise: { key: 'scenario6', during: 'scenario 6', share: result?.noise ?? null },
  };
}

export const throughput: RunScenario<Throughput> = { kind: 'run', number: 6, name: 'throughput', run, report };
