/**
 * Scenario 7: cold full exports (a forward walk with first: 100) at the export latency, each
 * provider alone and every source in one walk, through a gateway with the cache and its
 * read-ahead on (rate limits lifted as in the other scenarios), and by the SDK script, taking
 * turns sample by sample. Each gateway sample starts once the previous one's entries have
 * expired. Target: within 1.5x of the bound, with no more list calls than the minimum.
 */
import { breakdown, type Bench, type RunScenario, type ScenarioReport } from '../lib/bench.js';
import { type Case, NAMES, walk } from '../lib/cases.js';
import { SOURCE_IDS } from '../lib/config.js';
import { PAGE_QUERY } from '../lib/graphql.js';
import {
  exportMinimum,
  lowerBoundMs,
  sdkExportTargets,
  segments,
  totalOf,
  type Limits,
  type Minimum,
} from '../lib/plan.js';
import { stopChild } from '../lib/processes.js';
import { fmt, median, type Row, type TargetResult } from '../lib/report.js';
import { PROVIDER_KEYS, type InventorySummary, type ProviderKey, type UpstreamStats } from '../lib/types.js';

/** A cold export within this many times its bound. */
const EXPORT_TARGET = 1.5;
/**
 * The export gateway's cache TTL: longer than a walk takes (an entry expiring mid-walk would be
 * read twice), short enough that waiting it out makes the next sample cold.
 */
const EXPORT_TTL_MS = 5000;

interface ExportMeasured {
  key: string;
  title: string;
  minimum: Minimum;
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

/** Each provider alone, then every source in one walk. */
function exportCases(inventory: InventorySummary, limits: Limits): Array<Case & { providers: ProviderKey[] }> {
  const targets: Array<{ key: string; title: string; providers: ProviderKey[] }> = [
    ...PROVIDER_KEYS.map((p) => ({ key: `7-export-${p}`, title: `cold export ${NAMES[p]}`, providers: [p] })),
    { key: '7-export-all', title: 'cold export, all sources', providers: [...PROVIDER_KEYS] },
  ];
  return targets.map(({ key, title, providers }) => {
    const segs = segments(inventory, providers);
    const total = totalOf(segs);
    const filter = providers.length === PROVIDER_KEYS.length ? {} : { sources: providers.map((p) => SOURCE_IDS[p]) };
    return {
      key,
      title: `${title} ${total}, first:100`,
      minimum: exportMinimum(segs, limits),
      connections: 1,
      providers,
      run: walk(PAGE_QUERY, filter, 100, total),
    };
  });
}

const listCallsOf = (stats: UpstreamStats) =>
  Object.values(stats).reduce((n, s) => n + (s.operations.ListSecrets ?? 0), 0);

async function run(bench: Bench): Promise<ExportMeasured[]> {
  const { emulators, limits, options } = bench;
  const inv = emulators.inventory;
  const cases = exportCases(inv, limits);
  const gateway = await bench.startGateway('export', { ttlMs: EXPORT_TTL_MS, staleMs: 0, readAhead: true });
  const sdkChild = await bench.startChild('bench/children/sdk-baseline.ts', 'sdk-export');
  const targetsOf = (providers: ProviderKey[]) => sdkExportTargets(emulators.urls, inv, limits, providers);
  const sdkExport = (providers: ProviderKey[]) =>
    sdkChild.ipc.request<{ ms: number; rows: number; calls: number }>('export', { targets: targetsOf(providers) });
  let sampleStarted = 0;
  // Whatever the last gateway sample cached has expired (and the whole-response cache, whose TTL is the same).
  const expired = () =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, sampleStarted + EXPORT_TTL_MS + 100 - Date.now())));
  // Warm-up at 0 ms: JIT, connection pools, the CSMS IAM token of both clients.
  await emulators.setLatency(0);
  for (const c of cases) {
    await c.run(gateway.url);
    await sdkExport(c.providers);
  }
  await emulators.setLatency(options.exportLatencyMs);
  const out: ExportMeasured[] = [];
  for (const c of cases) {
    const gatewaySamplesMs: number[] = [];
    const warmSamplesMs: number[] = [];
    const sdkSamplesMs: number[] = [];
    const problems: string[] = [];
    let listCalls = 0;
    let callsDetail = '';
    for (let i = 0; i < options.samples; i++) {
      await expired();
      await emulators.settle();
      await emulators.reset();
      sampleStarted = Date.now();
      const walked = await c.run(gateway.url);
      gatewaySamplesMs.push(walked.ms);
      problems.push(...walked.problems);
      // The read-ahead may still be on its way when the client is done: its calls count too.
      await emulators.settle();
      const stats = await emulators.stats();
      if (listCallsOf(stats) >= listCalls) [listCalls, callsDetail] = [listCallsOf(stats), breakdown(stats)];
      const warm = await c.run(gateway.url);
      warmSamplesMs.push(warm.ms);
      problems.push(...warm.problems);
      await emulators.settle();
      const warmCalls = listCallsOf(await emulators.stats()) - listCallsOf(stats);
      if (warmCalls > 0) problems.push(`the warm walk made ${warmCalls} list calls`);
      const sdk = await sdkExport(c.providers);
      sdkSamplesMs.push(sdk.ms);
    }
    const m: ExportMeasured = {
      key: c.key,
      title: c.title,
      minimum: c.minimum,
      boundMs: lowerBoundMs(c.minimum, options.exportLatencyMs, limits),
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
    bench.progress(
      `  export ${c.key}: ${fmt(m.gatewayMs, 1)} ms (warm ${fmt(m.warmMs, 1)}, SDK ${fmt(m.sdkMs, 1)}, bound ${fmt(m.boundMs)}) = ${(m.gatewayMs / m.boundMs).toFixed(2)}x bound; list calls ${listCalls}/${m.minimum.calls}${m.problems.length ? ` PROBLEMS: ${m.problems.slice(0, 2).join('; ')}` : ''}`,
    );
  }
  await stopChild(sdkChild.child);
  await stopChild(gateway.child);
  await emulators.setLatency(0);
  return out;
}

function report(result: ExportMeasured[] | null, bench: Bench): ScenarioReport {
  const { options } = bench;
  const exports = result ?? [];
  const met = (e: ExportMeasured) =>
    e.gatewayMs / e.boundMs <= EXPORT_TARGET && e.listCalls <= e.minimum.calls && e.problems.length === 0;
  const rows: Row[] = exports.map((e) => ({
    group: '7',
    scenario: e.title,
    latencyMs: options.exportLatencyMs,
    calls: `${e.listCalls} / ${e.minimum.calls}`,
    repeat: '—',
    wall: `${fmt(e.gatewayMs, 1)} / ${fmt(e.boundMs)} (${(e.gatewayMs / e.boundMs).toFixed(2)}x)`,
    connections: '1',
    latency: '—',
    perSecond: '—',
    rssMb: '—',
    target: `${met(e) ? 'yes' : 'no'}: SDK ${fmt(e.sdkMs, 1)} ms, ${(e.gatewayMs / e.sdkMs).toFixed(2)}x SDK${e.problems.length ? `; ${e.problems.slice(0, 2).join('; ')}` : ''}`,
  }));
  const target: TargetResult = {
    target: `scenario 7 at ${options.exportLatencyMs} ms: cold export within ${EXPORT_TARGET}x of its bound, with no more list calls than the minimum`,
    status: !exports.length ? 'not measured' : exports.every(met) ? 'met' : 'unmet',
    detail: exports
      .map(
        (e) =>
          `${e.key.replace('7-export-', '')} ${fmt(e.gatewayMs, 1)} ms vs ${fmt(e.boundMs)} ms = ${(e.gatewayMs / e.boundMs).toFixed(2)}x (SDK ${fmt(e.sdkMs, 1)} ms; ${e.listCalls}/${e.minimum.calls} list calls)`,
      )
      .join('; '),
  };
  const section = [
    `Cold export (scenario 7): a forward walk with first: 100 at ${options.exportLatencyMs} ms on a gateway whose cache (TTL ${EXPORT_TTL_MS} ms, read-ahead on) is empty at the start of each sample, next to a hand-written SDK export of the same rows in the same run; medians of ${options.samples}. Bound = rounds × latency (see plan.ts exportMinimum). Warm = the same walk again at once, every provider page cached (the GraphQL round trips alone); cold − warm = the upstream wait the read-ahead did not hide.`,
    ...exports.map(
      (e) =>
        `- ${e.key}: cold export ${fmt(e.gatewayMs, 1)} ms, SDK ${fmt(e.sdkMs, 1)} ms, bound ${fmt(e.boundMs)} ms (${e.minimum.rounds} rounds); ratio ${(e.gatewayMs / e.boundMs).toFixed(2)}x bound, ${(e.gatewayMs / e.sdkMs).toFixed(2)}x SDK; warm ${fmt(e.warmMs, 1)} ms, cold − warm ${fmt(e.gatewayMs - e.warmMs, 1)} ms = ${((e.gatewayMs - e.warmMs) / e.boundMs).toFixed(2)}x bound; list calls ${e.listCalls} vs minimum ${e.minimum.calls} (${e.minimum.detail}); samples ${e.gatewaySamplesMs.map((v) => fmt(v)).join('/')} ms`,
    ),
  ];
  return { rows, sections: exports.length ? [section] : [], targets: [target], json: { exports } };
}

export const coldExport: RunScenario<ExportMeasured[]> = { kind: 'run', number: 7, name: 'export', run, report };
