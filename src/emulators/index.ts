import { randomBytes } from 'node:crypto';
import { mintToken, type MintOptions } from '../auth/jwt.js';
import type { GatewayConfig } from '../config.js';
import { parseConfig } from '../config.js';
import { apigDemo } from '../providers/alibaba-apig/demo.js';
import { kmsDemo } from '../providers/alibaba-kms/demo.js';
import { saeDemo } from '../providers/alibaba-sae/demo.js';
import { awsDemo } from '../providers/aws-secrets-manager/demo.js';
import { csmsDemo } from '../providers/huawei-csms/demo.js';
import { PROVIDER_CATALOG, type ProviderModules, type SourceConfig } from '../providers/index.js';
import { EmulatorServer, NO_FAULTS } from './core.js';
import type { DemoEmulator, DemoShared, ProviderDemo } from './demo.js';

/**
 * The provider emulators together: what `npm start` runs when no configuration is given,
 * what the tests and the benchmark run against, and what a portal team can start on its own.
 */

/**
 * The demo set: one descriptor per provider (its folder's `demo.ts`), in the order of the demo's
 * sources and of `npm run emulators`' ports. The list lives here rather than beside
 * PROVIDER_MODULES so that a configured gateway, which imports the registry, loads no emulator code.
 */
export const PROVIDER_DEMOS = [saeDemo, apigDemo, kmsDemo, csmsDemo, awsDemo] as const;
type Demo = (typeof PROVIDER_DEMOS)[number];
type DemoKey = Demo['key'];
type DemoOf<K extends DemoKey> = Extract<Demo, { key: K }>;
/** Any provider's demo, taking any provider's seed (each demo is only ever given its own). */
type AnyDemo = ProviderDemo<DemoKey, ProviderModules['id'], unknown, DemoEmulator, unknown>;

/** The same list, for code that hands each demo its own seed from an `EmulatorSet` (the mapped types cannot pair them). */
export const ANY_DEMOS: readonly AnyDemo[] = PROVIDER_DEMOS;

// A provider in PROVIDER_MODULES without a demo here fails to compile, naming the provider.
type MissingDemo = Exclude<ProviderModules['id'], Demo['provider']>;
export const EVERY_PROVIDER_HAS_A_DEMO: [MissingDemo] extends [never] ? true : MissingDemo = true;

type SeedOf<K extends DemoKey> = ReturnType<DemoOf<K>['seed']>;
type EmulatorOf<K extends DemoKey> = ReturnType<DemoOf<K>['emulator']>;
type OptionsOf<K extends DemoKey> = NonNullable<Parameters<DemoOf<K>['emulator']>[1]>;

/** Each provider's emulator options, under its key (`kms: { ... }`). */
type PerProviderOptions = { [K in DemoKey]?: OptionsOf<K> };

export interface EmulatorSetOptions extends PerProviderOptions {
  /** Multiplies every seeded record count. Default 1 (several hundred secrets per provider). */
  scale?: number;
  /** Per provider, instead of `scale` (the benchmark gives each provider about the same count). */
  scales?: Partial<Record<DemoKey, number>>;
  seed?: number;
  host?: string;
  /** Fixed ports; 0 (default) picks free ones. */
  ports?: Partial<Record<DemoKey, number>>;
}

export interface EmulatorSet {
  servers: Record<DemoKey, EmulatorServer>;
  /** The provider handlers, for per-call forced errors (`failNext`). */
  providers: { [K in DemoKey]: EmulatorOf<K> };
  /** The seeded data each emulator serves, for tests to compare against. */
  data: { [K in DemoKey]: SeedOf<K> };
  urls: Record<DemoKey, string>;
  /** Clears faults, forced errors and counters of all of them, for the next test. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startEmulators(options: EmulatorSetOptions = {}): Promise<EmulatorSet> {
  const seedOptions = { scale: options.scale ?? 1, seed: options.seed };
  const host = options.host ?? '127.0.0.1';
  const servers = {} as EmulatorSet['servers'];
  const providers = {} as Record<DemoKey, DemoEmulator>;
  const data = {} as Record<DemoKey, unknown>;
  const urls = {} as EmulatorSet['urls'];
  for (const demo of ANY_DEMOS) {
    data[demo.key] = demo.seed({ ...seedOptions, scale: options.scales?.[demo.key] ?? seedOptions.scale });
    providers[demo.key] = demo.emulator(data[demo.key], options[demo.key]);
    servers[demo.key] = new EmulatorServer(providers[demo.key], { faultSeed: demo.faultSeed });
  }
  await Promise.all(
    PROVIDER_DEMOS.map(async ({ key }) => {
      urls[key] = await servers[key].start(options.ports?.[key] ?? 0, host);
    }),
  );
  return {
    servers,
    // Each built by its own demo from its own seed: the mapped types hold.
    providers: providers as EmulatorSet['providers'],
    data: data as EmulatorSet['data'],
    urls,
    reset: () => {
      for (const server of Object.values(servers)) {
        server.setFaults(NO_FAULTS);
        server.resetStats();
      }
      for (const provider of Object.values(providers)) provider.clearForcedErrors();
    },
    stop: async () => {
      await Promise.all(Object.values(servers).map((s) => s.stop()));
    },
  };
}

/** A gateway configuration with one source per emulator, as the embedded demo serves it. */
export function embeddedConfig(
  emulators: Pick<EmulatorSet, 'urls' | 'data'>,
  env: NodeJS.ProcessEnv = {},
  overrides: Partial<GatewayConfig['server']> = {},
): GatewayConfig<SourceConfig> {
  // The emulators enforce no quota: the cloud defaults (SAE: 1 call/s) would only slow the demo.
  const shared: DemoShared = { rateLimit: { perSecond: 1000, burst: 1000 } };
  return parseConfig(
    {
      server: { host: '127.0.0.1', port: 4000, graphiql: true, requestDeadlineMs: 15_000, ...overrides },
      sources: ANY_DEMOS.map((demo) => ({
        id: `${demo.key}-demo`,
        provider: demo.provider,
        ...demo.source(emulators.urls[demo.key], emulators.data[demo.key], shared),
      })),
      // The synced index, on in the demo: reads are served from it, and the change feed runs.
      inventory: { refreshMs: 30_000 },
      // A fresh HS256 key per start: the demo's token (demoToken) dies with the process.
      auth: {
        jwt: { issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, hs256Secret: randomBytes(32).toString('base64url') },
      },
    },
    PROVIDER_CATALOG,
    env,
  );
}

export const DEMO_ISSUER = 'secrets-gateway-demo';
export const DEMO_AUDIENCE = 'secrets-gateway';

/** A token for the embedded demo's key: read and reveal on every source unless narrowed. */
export function demoToken(
  config: GatewayConfig,
  grant: Partial<Pick<MintOptions, 'subject' | 'scopes' | 'sources' | 'namespaces' | 'expiresInSeconds'>> = {},
): string {
  const jwt = config.auth.jwt;
  if (!jwt?.hs256Secret) throw new Error('demoToken needs the embedded configuration (an HS256 key)');
  return mintToken({
    secret: jwt.hs256Secret,
    issuer: DEMO_ISSUER,
    audience: DEMO_AUDIENCE,
    subject: grant.subject ?? 'demo-user',
    scopes: grant.scopes ?? ['secrets:read', 'secrets:reveal'],
    sources: grant.sources,
    namespaces: grant.namespaces,
    expiresInSeconds: grant.expiresInSeconds,
  });
}
