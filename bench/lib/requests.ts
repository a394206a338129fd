/**
 * The harness of the request scenarios (1-5): each case's upstream calls against its minimum, its
 * repeat, its wall time against the lower bound and a load run, at every --latencies value on the
 * main gateway, then once more (calls and repeat only, at 0 ms) on the "(cache)" gateway.
 */
import { breakdown, totalCalls, type Bench, type Gateway, type ScenarioReport } from './bench.js';
import type { Case } from './cases.js';
import { load, type LoadResult } from './load.js';
import { lowerBoundMs, type Limits, type Minimum } from './plan.js';
import { cpuMs, peakRssMb, resetPeakRss } from './processes.js';
import { fmt, median, type Row, type TargetResult } from './report.js';
import type { InventorySummary, ProviderKey } from './types.js';

/** A scenario of requests: what it sends, and what it judges beyond the shared calls and repeat targets. */
export interface RequestScenario {
  kind: 'requests';
  number: number;
  name: string;
  cases(inventory: InventorySummary, limits: Limits, connections: number): Case[];
  /** Why a row misses its target, beyond calls over the minimum, errors and cached repeats. */
  verdicts?(m: Measured): string[];
  /** Targets of its own, from its measurements on the main gateway (empty when it did not run). */
  targets?(measured: Measured[], bench: Bench): TargetResult[];
}

export interface Measured {
  key: string;
  group: number;
  title: string;
  phase: 'no-cache' | 'cache';
  latencyMs: number;
  minimum: Minimum;
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

export interface RequestMeasurements {
  measured: Measured[];
  cacheMeasured: Measured[];
}

/** JIT, connection pools, the CSMS IAM token (once per process, not part of any case): every case once, at 0 ms. */
export async function warmUp(bench: Bench, scenarios: RequestScenario[]): Promise<void> {
  await bench.emulators.setLatency(0);
  for (const scenario of scenarios)
    for (const c of scenario.cases(bench.emulators.inventory, bench.limits, 1)) {
      const outcome = await c.run(bench.gateway.url);
      if (outcome.problems.length) bench.progress(`  warm-up ${c.key}: ${outcome.problems.slice(0, 3).join('; ')}`);
    }
}

export async function measureRequests(bench: Bench, scenarios: RequestScenario[]): Promise<RequestMeasurements> {
  const { emulators, options } = bench;
  const cases = scenarios.flatMap((scenario) =>
    scenario
      .cases(emulators.inventory, bench.limits, options.connections)
      .map((c) => ({ ...c, group: scenario.number })),
  );
  const measured: Measured[] = [];
  for (const latency of options.latencies) {
    await emulators.setLatency(latency);
    for (const c of cases) {
      const m = await measure(bench, bench.gateway, c, latency, 'no-cache', true, options.samples);
      measured.push(m);
      bench.progress(
        `  ${latency}ms ${c.key}: calls ${m.calls}/${m.minimum.calls} repeat ${m.repeatCalls} wall ${fmt(m.wallMs, 1)}/${fmt(m.boundMs)} ms load ${fmt(m.load?.perSecond, 1)} req/s${m.problems.length ? ` PROBLEMS: ${m.problems.slice(0, 2).join('; ')}` : ''}`,
      );
    }
  }
  const cacheMeasured: Measured[] = [];
  if (cases.length && options.cachePhase) {
    await emulators.setLatency(0);
    const cacheGateway = (await bench.cacheGateway())!;
    for (const c of cases) {
      const m = await measure(bench, cacheGateway, c, 0, 'cache', false, 0);
      cacheMeasured.push(m);
      bench.progress(`  cache ${c.key}: calls ${m.calls}/${m.minimum.calls} repeat ${m.repeatCalls}`);
    }
  }
  return { measured, cacheMeasured };
}

async function measure(
  bench: Bench,
  gateway: Gateway,
  c: Case & { group: number },
  latencyMs: number,
  phase: Measured['phase'],
  withLoad: boolean,
  samples: number,
): Promise<Measured> {
  const { emulators } = bench;
  await emulators.settle();
  const scoped = resetPeakRss(gateway.pid);
  await emulators.reset();
  const cold = await c.run(gateway.url);
  const coldStats = await emulators.stats();
  await emulators.reset();
  const repeat = await c.run(gateway.url);
  const repeatCalls = totalCalls(await emulators.stats());
  const wallSamplesMs: number[] = [];
  for (let i = 0; i < samples; i++) wallSamplesMs.push((await c.run(gateway.url)).ms);
  let loadResult: Measured['load'] = null;
  if (withLoad) {
    await emulators.reset();
    const gw0 = cpuMs(gateway.pid);
    const em0 = cpuMs(emulators.pid);
    const result = await load(gateway.url, cold.bodies, {
      connections: c.connections,
      durationS: bench.options.durationS,
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
    key: c.key,
    group: c.group,
    title: c.title,
    phase,
    latencyMs,
    minimum: c.minimum,
    note: c.note,
    calls: totalCalls(coldStats),
    callsDetail: breakdown(coldStats),
    repeatCalls,
    repeatAllowed: c.repeatCalls ?? 0,
    maxInFlight: Object.fromEntries(Object.entries(coldStats).map(([p, s]) => [p, s.maxInFlight])) as Record<
      ProviderKey,
      number
    >,
    problems: [...new Set([...cold.problems, ...repeat.problems])],
    wallMs: samples ? median(wallSamplesMs) : null,
    wallSamplesMs,
    boundMs: lowerBoundMs(c.minimum, latencyMs, bench.limits),
    load: loadResult,
    peakRssMb: peakRssMb(gateway.pid),
    peakRssScoped: scoped,
  };
}

/**
 * One row per measurement, the shared targets (calls at the minimum, no calls for a repeat), then
 * each scenario's own; `scenarios` are all request scenarios, run or not.
 */
export function requestsReport(
  bench: Bench,
  scenarios: RequestScenario[],
  { measured, cacheMeasured }: RequestMeasurements,
): ScenarioReport {
  const { options } = bench;
  const all = [...measured, ...cacheMeasured];
  const byNumber = new Map(scenarios.map((s) => [s.number, s]));
  const callTarget = (m: Measured) => m.calls <= m.minimum.calls;
  const clean = (m: Measured) => m.problems.length === 0 && (m.load?.errors ?? 0) === 0;

  const rows: Row[] = all.map((m) => {
    const verdicts: string[] = [];
    if (!callTarget(m)) verdicts.push(`calls ${m.calls}>${m.minimum.calls}`);
    if (!clean(m)) verdicts.push(m.problems.length ? 'errors in response' : `${m.load!.errors} failed under load`);
    if (m.phase === 'cache' && m.repeatCalls > m.repeatAllowed)
      verdicts.push(`repeat ${m.repeatCalls}≠${m.repeatAllowed}`);
    verdicts.push(...(byNumber.get(m.group)?.verdicts?.(m) ?? []));
    return {
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
    };
  });

  const targets: TargetResult[] = [];
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
    : measured.filter((m) => m.group === 1 && m.latencyMs === options.latencies[0]);
  const repeatBad = repeatRows.filter((m) => m.repeatCalls > m.repeatAllowed);
  targets.push({
    target: 'zero calls for a repeated query within the cache TTL',
    status: !repeatRows.length ? 'not measured' : repeatBad.length || !cacheMeasured.length ? 'unmet' : 'met',
    detail: cacheMeasured.length
      ? repeatBad.length
        ? `repeat calls: ${repeatBad.map((m) => `${m.key} ${m.repeatCalls}`).join(', ')}`
        : `every scenario repeated with 0 calls, secret values excepted (never cached; cache policy ${options.cachePolicy ? JSON.stringify(options.cachePolicy) : "the gateway's default"})`
      : `cache phase not run (--no-cache-phase): scenario 1 repeated made ${repeatRows.map((m) => `${m.key} ${m.repeatCalls}`).join(', ')} calls`,
  });
  for (const scenario of scenarios)
    targets.push(
      ...(scenario.targets?.(
        measured.filter((m) => m.group === scenario.number),
        bench,
      ) ?? []),
    );

  const minimums = [
    ...new Map(all.map((m) => [m.key, `- ${m.key}: ${m.minimum.detail}; ${m.minimum.rounds} round(s)`])).values(),
  ];
  const notes = [
    ...new Set(
      all.filter((m) => m.note).map((m) => `- ${m.key}: minimum ${m.minimum.calls} = ${m.minimum.detail}; ${m.note}`),
    ),
  ];
  const overLoad = all
    .filter((m) => m.load && m.load.callsPerRequest > m.minimum.calls * 1.01 + 0.01)
    .map((m) => `${m.key} @${m.latencyMs}ms ${m.load!.callsPerRequest.toFixed(2)}/req`);
  const cacheSuspected = measured.filter((m) => m.calls > 0 && m.repeatCalls === 0);
  const sections = [
    ['Minimum calls (per request; lower bound = rounds × latency):', ...minimums],
    ...(notes.length ? [['Notes:', ...notes]] : []),
    ...(overLoad.length ? [[`Calls per request under load above the minimum: ${overLoad.join(', ')}`]] : []),
    ...(cacheSuspected.length
      ? [
          [
            `Warning: repeated requests made no calls in the no-cache gateway (${cacheSuspected.map((m) => m.key).join(', ')}): a cache seems active by default, so wall times there may be cache hits; disable it with --config-extra.`,
          ],
        ]
      : []),
  ];
  return { rows, sections, targets, json: { measured, cacheMeasured } };
}
