/**
 * What every scenario is handed: the options, the emulators, the main gateway and the limits it
 * runs with, and ways to start more gateways and children that the runner stops at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../../src/server/listen.js';
import { join } from 'node:path';
import { benchConfig, limitsOf, SOURCE_IDS, writeConfig, type Json } from './config.js';
import { post } from './graphql.js';
import type { IpcClient } from './ipc.js';
import type { Limits } from './plan.js';
import { ROOT, spawnIpcChild, spawnNode } from './processes.js';
import type { foreignShare } from './processes.js';
import type { Row, TargetResult } from './report.js';
import {
  PROVIDER_KEYS,
  type EmulatorUrls,
  type InventorySummary,
  type ProviderKey,
  type UpstreamStats,
} from './types.js';

export type JsonObject = { [key: string]: Json };

/** The command line, parsed (bench/run.ts's usage text says what each one does). */
export interface Options {
  quick: boolean;
  scale: number;
  latencies: number[];
  durationS: number;
  connections: number;
  samples: number;
  s6DurationS: number;
  s6Rounds: number;
  s6WarmS: number;
  s6Connections: number;
  s6Providers: ProviderKey[];
  exportLatencyMs: number;
  /** Scenario 8: secrets across the five providers (the same number each), seconds per load level, searches per term, samples. */
  s8Secrets: number;
  s8LevelS: number;
  s8Searches: number;
  s8Samples: number;
  /** Scenario 8's change-propagation gateway's refreshMs; its default when absent. */
  s8RefreshMs?: number;
  /** Scenario numbers to run; null: all. */
  only: number[] | null;
  configExtra: JsonObject | null;
  cachePolicy: JsonObject | null;
  cachePhase: boolean;
  noCachePolicy: JsonObject;
  keepRateLimits: boolean;
  discoverNamespaces: boolean;
  profile: boolean;
  logLevel: string | undefined;
  gatewayNodeArgs: string[];
}

export interface Emulators {
  ipc: IpcClient;
  pid: number;
  urls: EmulatorUrls;
  inventory: InventorySummary;
  setLatency(ms: number): Promise<void>;
  reset(): Promise<void>;
  /** Creates a secret at the cloud: added to the provider's seed, listed from the next call on. */
  createSecret(provider: ProviderKey, name: string): Promise<void>;
  stats(): Promise<UpstreamStats>;
  /** Waits until no call is in flight and none arrived for `quietMs`: the gateway has drained a load run. */
  settle(quietMs?: number): Promise<void>;
}

export interface Gateway {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  config: JsonObject;
}

export interface Bench {
  options: Options;
  emulators: Emulators;
  /** The main gateway: every source's cache off (--no-cache-policy). */
  gateway: Gateway;
  /** The gateway as `npm start` runs it: node flags and the built entry. */
  gatewayCommand: { entry: string; nodeFlags: string[] };
  limits: Limits;
  /** Where configs, profiles and reports go (.bench/), and the children's logs. */
  out: string;
  logs: string;
  /** Every child started, for shutdown and for the CPU the bench itself used. */
  children: ChildProcess[];
  progress(text: string): void;
  /**
   * The real entry point with a generated config and this per-source cache policy; ready once /healthz
   * answers. `emulators`: another set than the main one (scenario 8's); `extra` is merged into its config.
   */
  startGateway(
    name: string,
    cache: JsonObject | null,
    execArgv?: string[],
    more?: { emulators?: Emulators; extra?: JsonObject },
  ): Promise<Gateway>;
  /** Another set of emulators in a child process of its own, sized per provider (scenario 8). */
  startEmulators(name: string, scales: Record<ProviderKey, number>): Promise<Emulators>;
  /** The "(cache)" gateway (--cache-config), started and warmed at 0 ms on first use; null with --no-cache-phase. */
  cacheGateway(): Promise<Gateway | null>;
  /** A bench/children script with an IPC channel, once it said it is ready. */
  startChild(script: string, name: string, env?: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; ipc: IpcClient }>;
}

/** What a scenario adds to the report. */
export interface ScenarioReport {
  rows: Row[];
  /** Blocks of lines printed below the table, each after a blank line. */
  sections: string[][];
  targets: TargetResult[];
  /** Figures for .bench/latest.json, under these keys. */
  json: Record<string, unknown>;
  /** CPU other processes used while the scenario ran, for the report's noise line. */
  noise?: { key: string; during: string; share: ReturnType<typeof foreignShare> };
}

/**
 * A scenario with a harness of its own: it runs once, after the request scenarios, and reports
 * what it measured. `report(null)` is called when it was not selected (its targets "not measured").
 */
export interface RunScenario<R = unknown> {
  kind: 'run';
  number: number;
  name: string;
  run(bench: Bench): Promise<R>;
  report(result: R | null, bench: Bench): ScenarioReport;
}

export const totalCalls = (stats: UpstreamStats) =>
  Object.values(stats).reduce((n, s) => n + Object.values(s.operations).reduce((a, b) => a + b, 0), 0);

export const breakdown = (stats: UpstreamStats) =>
  Object.entries(stats)
    .flatMap(([provider, s]) => Object.entries(s.operations).map(([op, n]) => `${provider}.${op}=${n}`))
    .join(' ');

/**
 * Starts the emulators and the main gateway (`gatewayCommand`: what `buildGateway()` built). The
 * emulators, each gateway, the bare graphql-yoga reference and the SDK reference run in a child
 * process of their own, added to `children` as they start; this process only generates load
 * (autocannon) and reads /proc for memory and CPU.
 */
export async function startBench(
  options: Options,
  { gatewayCommand, children, progress }: Pick<Bench, 'gatewayCommand' | 'children' | 'progress'>,
): Promise<Bench> {
  const out = join(ROOT, '.bench');
  const logs = join(out, 'logs');
  rmSync(logs, { recursive: true, force: true });
  mkdirSync(logs, { recursive: true });

  const startChild: Bench['startChild'] = async (script, name, env) => {
    const started = spawnIpcChild(script, { log: join(logs, `${name}.log`), name, env });
    children.push(started.child);
    await started.ipc.event('ready');
    return started;
  };

  const spawnEmulators = async (name: string, env: NodeJS.ProcessEnv) => {
    const started = spawnIpcChild('bench/children/emulators.ts', { log: join(logs, `${name}.log`), name, env });
    children.push(started.child);
    return emulatorHandle(started.child, started.ipc);
  };
  const emulators = await spawnEmulators('emulators', { BENCH_SCALE: String(options.scale) });
  const inv = emulators.inventory;
  progress(
    `emulators: SAE ${inv.sae.namespaces.reduce((n, x) => n + x.count, 0)} secrets in ${inv.sae.namespaces.length} namespaces, APIG ${inv.apig.total}, KMS ${inv.kms.total}, CSMS ${inv.csms.total}, AWS ${inv.aws.total}`,
  );

  const startGateway: Bench['startGateway'] = async (name, cache, execArgv = [], more = {}) => {
    const port = await freePort();
    const upstream = more.emulators ?? emulators;
    const config = benchConfig(upstream.urls, upstream.inventory, {
      discoverNamespaces: options.discoverNamespaces,
      keepRateLimits: options.keepRateLimits,
      cache,
      extra: [
        { server: { port } },
        ...(more.extra ? [more.extra] : []),
        ...(options.configExtra ? [options.configExtra] : []),
      ],
    });
    const configPath = join(out, `gateway-${name}.json`);
    writeConfig(configPath, config);
    const log = join(logs, `gateway-${name}.log`);
    const child = spawnNode([gatewayCommand.entry, '--config', configPath], {
      log,
      compiled: true,
      execArgv: [...gatewayCommand.nodeFlags, ...options.gatewayNodeArgs, ...execArgv],
      env: options.logLevel ? { LOG_LEVEL: options.logLevel } : {},
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
  };

  let cacheGateway: Promise<Gateway | null> | undefined;
  const startCacheGateway = async (): Promise<Gateway | null> => {
    if (!options.cachePhase) return null;
    const gateway = await startGateway('cache', options.cachePolicy);
    // Warm-up that does not touch the measured queries' cache entries: one row per source.
    for (const source of Object.values(SOURCE_IDS))
      await post(
        gateway.url,
        JSON.stringify({ query: `{ secrets(first: 1, filter: { sources: ["${source}"] }) { edges { cursor } } }` }),
      );
    return gateway;
  };

  const gateway = await startGateway('no-cache', options.noCachePolicy);
  const limits: Limits = {
    concurrency: Object.fromEntries(
      PROVIDER_KEYS.map((p) => [p, limitsOf(gateway.config, p).maxConcurrency]),
    ) as Limits['concurrency'],
    rate: Object.fromEntries(PROVIDER_KEYS.map((p) => [p, limitsOf(gateway.config, p).rateLimit])) as Limits['rate'],
    discoverNamespaces: options.discoverNamespaces,
  };
  return {
    options,
    emulators,
    gateway,
    gatewayCommand,
    limits,
    out,
    logs,
    children,
    progress,
    startGateway,
    cacheGateway: () => (cacheGateway ??= startCacheGateway()),
    startChild,
    startEmulators: (name, scales) => spawnEmulators(name, { BENCH_SCALES: JSON.stringify(scales) }),
  };
}

async function emulatorHandle(child: ChildProcess, ipc: IpcClient): Promise<Emulators> {
  const ready = await ipc.event<{ type: string; urls: EmulatorUrls; summary: InventorySummary }>('ready');
  return {
    ipc,
    pid: child.pid!,
    urls: ready.urls,
    inventory: ready.summary,
    setLatency: async (ms) => void (await ipc.request('faults', { latencyMs: ms })),
    reset: async () => void (await ipc.request('reset')),
    createSecret: async (provider, name) => void (await ipc.request('create', { provider, name })),
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
