/**
 * `npm run bench` (issue 6): the gateway driven over HTTP against the provider emulators, with
 * upstream calls, wall time, latency under load, throughput and peak memory per scenario, each
 * measured against its reference in the same run. See BENCHMARKS.md for how to read the table.
 *
 * One file per scenario in bench/scenarios/, listed in SCENARIOS below. A request scenario (1-5)
 * says which requests it sends and the shared harness (lib/requests.ts) measures them at every
 * latency; a scenario with a harness of its own (6, 7) runs after them and reports its own rows.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type JsonObject, type Options, type RunScenario, type ScenarioReport, startBench } from './lib/bench.js';
import type { Json } from './lib/config.js';
import { buildGateway, cpuSnapshot, rssMb, stopChild } from './lib/processes.js';
import { measureRequests, type RequestScenario, requestsReport, warmUp } from './lib/requests.js';
import { writeSummary } from './lib/summary.js';
import { PROVIDER_KEYS, type ProviderKey } from './lib/types.js';
import { page } from './scenarios/1-page.js';
import { details } from './scenarios/2-details.js';
import { fullWalk } from './scenarios/3-walk.js';
import { allSources } from './scenarios/4-all-sources.js';
import { entities } from './scenarios/5-entities.js';
import { throughput } from './scenarios/6-throughput.js';
import { coldExport } from './scenarios/7-export.js';
import { inventory } from './scenarios/8-inventory.js';

type Scenario = RequestScenario | RunScenario<any>;

/**
 * In report order. Request scenarios are measured first, together, latency by latency; the others
 * run after them, in this order. A new scenario is a file in bench/scenarios/ exporting a
 * RequestScenario (the requests it sends) or a RunScenario (its own harness and rows), and a line here.
 */
const SCENARIOS: Scenario[] = [page, details, fullWalk, allSources, entities, throughput, coldExport, inventory];

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
  --only LIST             scenarios to run, by number or name, e.g. 1,6 or walk,export (default all):
                          ${SCENARIOS.map((s) => `${s.number} ${s.name}`).join(', ')}
  --export-latency MS     scenario 7's and 8's emulator latency (default 20)
  --s8-secrets N          scenario 8's inventory across the five providers (default 100000, the same number each)
  --s8-level-seconds S    scenario 8's seconds of mixed load per rate, 1 to 200 req/s (default 15; quick 6)
  --s8-searches N         scenario 8's sequential search requests per term (default 100; quick 40)
  --s8-samples N          scenario 8's export and change samples (default 2; quick 1); cold starts: one fewer (at least 1)
  --s8-refresh-ms MS      scenario 8's change-propagation gateway's refreshMs (default 5000)
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
    's8-secrets': { type: 'string' },
    's8-level-seconds': { type: 'string' },
    's8-searches': { type: 'string' },
    's8-samples': { type: 'string' },
    's8-refresh-ms': { type: 'string' },
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
const options: Options = {
  quick,
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
  s8Secrets: num(args['s8-secrets'], 100_000),
  s8LevelS: num(args['s8-level-seconds'], quick ? 6 : 15),
  s8Searches: num(args['s8-searches'], quick ? 40 : 100),
  s8Samples: num(args['s8-samples'], quick ? 1 : 2),
  s8RefreshMs: args['s8-refresh-ms'] ? Number(args['s8-refresh-ms']) : undefined,
  only: args.only ? args.only.split(',').map(scenarioNumber) : null,
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
for (const p of options.s6Providers)
  if (!PROVIDER_KEYS.includes(p)) throw new Error(`--s6-providers: unknown provider ${p}`);

function scenarioNumber(token: string): number {
  const scenario = SCENARIOS.find((s) => String(s.number) === token.trim() || s.name === token.trim());
  if (!scenario)
    throw new Error(`--only: no scenario "${token}" (${SCENARIOS.map((s) => `${s.number} ${s.name}`).join(', ')})`);
  return scenario.number;
}

function parseJson(text: string, flag: string): JsonObject {
  try {
    const value = JSON.parse(text) as Json;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value;
  } catch (error) {
    throw new Error(`${flag} must be a JSON object: ${(error as Error).message}`);
  }
}

const progress = (text: string) => process.stderr.write(`${text}\n`);
const runStarted = performance.now();
const children: ChildProcess[] = [];

async function main(): Promise<void> {
  // The gateway runs as `npm start` runs it: built with esbuild, plain node, no tsx loader.
  const gatewayCommand = buildGateway();
  progress(
    `bench: ${quick ? 'quick' : 'full'} run, scale ${options.scale}, latencies ${options.latencies.join('/')} ms, load ${options.durationS}s x ${options.connections} conn, scenario 6 ${options.s6DurationS}s x ${options.s6Connections} conn`,
  );
  const cpuAtStart = cpuSnapshot([]);
  let loadAtStart = 'unknown';
  try {
    loadAtStart = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  const bench = await startBench(options, { gatewayCommand, children, progress });
  const idleRssMb = rssMb(bench.gateway.pid);
  const selected = (s: Scenario) => !options.only || options.only.includes(s.number);
  const requestScenarios = SCENARIOS.filter((s): s is RequestScenario => s.kind === 'requests');
  await warmUp(bench, requestScenarios);
  const warmRssMb = rssMb(bench.gateway.pid);

  const reports: ScenarioReport[] = [
    requestsReport(bench, requestScenarios, await measureRequests(bench, requestScenarios.filter(selected))),
  ];
  for (const scenario of SCENARIOS)
    if (scenario.kind === 'run')
      reports.push(scenario.report(selected(scenario) ? await scenario.run(bench) : null, bench));

  writeSummary(bench, reports, { startedMs: runStarted, cpuAtStart, loadAtStart, idleRssMb, warmRssMb });
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
