/** The report: what the run was and where, the table, each scenario's sections, the targets; and every figure as JSON. */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Bench, ScenarioReport } from './bench.js';
import { type CpuSnapshot, cpuSnapshot, foreignShare } from './processes.js';
import { fmt, table, targetList } from './report.js';
import { PROVIDER_KEYS } from './types.js';

export interface RunFacts {
  startedMs: number;
  cpuAtStart: CpuSnapshot | null;
  loadAtStart: string;
  idleRssMb: number | null;
  warmRssMb: number | null;
}

/** Prints the report on stdout and writes .bench/latest.md, .bench/latest.json and .bench/results-<time>.json. */
export function writeSummary(bench: Bench, reports: ScenarioReport[], run: RunFacts): void {
  const { options, limits, gatewayCommand } = bench;
  const inv = bench.emulators.inventory;
  const { cpuAtStart, loadAtStart, idleRssMb, warmRssMb } = run;
  const rows = reports.flatMap((r) => r.rows);
  const targets = reports.flatMap((r) => r.targets);
  const during = reports.flatMap((r) => (r.noise ? [r.noise] : []));
  const runCpu = foreignShare(cpuAtStart, cpuSnapshot(bench.children));
  const share = (x: ReturnType<typeof foreignShare>) =>
    x
      ? `${(x.foreign * 100).toFixed(0)}% of the machine's CPU (machine busy ${(x.busy * 100).toFixed(0)}%)`
      : 'not measured';
  const noise = `other processes used ${share(runCpu)} over the whole run${during.map((d) => (d.share ? `, ${share(d.share)} during ${d.during}` : '')).join('')}; load average at start ${loadAtStart}`;
  const noisy = [runCpu, ...during.map((d) => d.share)].some((x) => (x?.foreign ?? 0) > 0.1);
  const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}`;
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const text = [
    `secrets-gateway benchmark — ${new Date().toISOString()}`,
    `machine: ${machine}`,
    `command: ${command}`,
    `noise: ${noise}${noisy ? ' — WARNING: the machine was not quiet; throughput figures are low and noisy' : ''}`,
    `data: scale ${options.scale} — SAE ${inv.sae.namespaces.reduce((n, x) => n + x.count, 0)} secrets in ${inv.sae.namespaces.length} namespaces (${options.discoverNamespaces ? 'discovered' : 'listed in the config'}), APIG ${inv.apig.total}, KMS ${inv.kms.total}, CSMS ${inv.csms.total}, AWS ${inv.aws.total}`,
    `limits: maxConcurrency ${PROVIDER_KEYS.map((p) => `${p} ${limits.concurrency[p]}`).join(', ')}; rate limits ${options.keepRateLimits ? PROVIDER_KEYS.map((p) => `${p} ${limits.rate[p] ? `${limits.rate[p]!.perSecond}/s burst ${limits.rate[p]!.burst}` : 'none'}`).join(', ') : 'lifted (emulators have no quota)'}; cache off on the main gateway${options.cachePhase ? `, ${options.cachePolicy ? JSON.stringify(options.cachePolicy) : 'default policy'} on the "(cache)" gateway` : ''}`,
    `gateway process: node ${[...gatewayCommand.nodeFlags, ...options.gatewayNodeArgs].join(' ')} ${gatewayCommand.entry} (built and run as npm start does); RSS ${fmt(idleRssMb)} MB idle after start, ${fmt(warmRssMb)} MB after one request of each scenario`,
    `load ${options.durationS}s per scenario, wall = median of ${options.samples}; scenario 6: ${options.s6WarmS}s warm-up, then ${options.s6DurationS}s per target in ${options.s6Rounds} alternating turns, ${options.s6Connections} connections`,
    '',
    table(rows),
    '',
    `* peak RSS since the gateway started (the kernel's peak mark could not be reset per scenario)`,
    ...reports.flatMap((r) => r.sections).flatMap((section) => ['', ...section]),
    '',
    'Targets:',
    targetList(targets),
    '',
    `total bench time ${((performance.now() - run.startedMs) / 1000).toFixed(0)} s`,
  ].join('\n');

  console.log(`\n${text}`);
  writeFileSync(join(bench.out, 'latest.md'), `${text}\n`);
  const json = {
    date: new Date().toISOString(),
    machine,
    command,
    noise: { run: runCpu, ...Object.fromEntries(during.map((d) => [d.key, d.share])), loadAtStart },
    gatewayRssMb: { idle: idleRssMb, afterWarmUp: warmRssMb },
    options,
    inventory: { ...inv, kms: { ...inv.kms, names: undefined }, sae: { ...inv.sae, refIds: undefined } },
    limits,
    ...Object.assign({}, ...reports.map((r) => r.json)),
    targets,
    rows,
  };
  writeFileSync(join(bench.out, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(
    join(bench.out, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(json, null, 2)}\n`,
  );
}
