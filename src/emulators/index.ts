import { randomBytes } from 'node:crypto';
import { mintToken, type MintOptions } from '../auth/jwt.js';
import type { GatewayConfig } from '../config.js';
import { parseConfig } from '../config.js';
import {
  generateApigSeed,
  generateKmsSeed,
  generateSaeSeed,
  type ApigSeed,
  type KmsSeed,
  type SaeSeed,
} from '../providers/alibaba/emulator-data.js';
import { createApigEmulator, type ApigEmulator, type ApigEmulatorOptions } from '../providers/alibaba-apig/emulator.js';
import { EmulatorServer, NO_FAULTS } from './core.js';
import { EMULATOR_CREDENTIALS } from './credentials.js';
import { createCsmsEmulator, type CsmsEmulator, type CsmsEmulatorOptions } from '../providers/huawei-csms/emulator.js';
import { generateCsmsSeed, type CsmsSeed } from '../providers/huawei-csms/emulator-data.js';
import { createKmsEmulator, type KmsEmulator, type KmsEmulatorOptions } from '../providers/alibaba-kms/emulator.js';
import { createSaeEmulator, type SaeEmulator, type SaeEmulatorOptions } from '../providers/alibaba-sae/emulator.js';
import { AWS_EMULATOR_CREDENTIALS } from '../providers/aws-secrets-manager/credentials.js';
import { generateAwsSecretsManagerSeed, type AwsSecretsManagerSeed } from '../providers/aws-secrets-manager/data.js';
import {
  createAwsSecretsManagerEmulator,
  type AwsSecretsManagerEmulator,
  type AwsSecretsManagerEmulatorOptions,
} from '../providers/aws-secrets-manager/emulator.js';

/**
 * The provider emulators together: what `npm start` runs when no configuration is given,
 * what the tests and the benchmark run against, and what a portal team can start on its own.
 */

export interface EmulatorSetOptions {
  /** Multiplies every seeded record count. Default 1 (several hundred secrets per provider). */
  scale?: number;
  seed?: number;
  host?: string;
  /** Fixed ports; 0 (default) picks free ones. */
  ports?: Partial<Record<'sae' | 'apig' | 'kms' | 'csms' | 'aws', number>>;
  sae?: SaeEmulatorOptions;
  apig?: ApigEmulatorOptions;
  kms?: KmsEmulatorOptions;
  csms?: CsmsEmulatorOptions;
  aws?: AwsSecretsManagerEmulatorOptions;
}

export interface EmulatorSet {
  servers: {
    sae: EmulatorServer;
    apig: EmulatorServer;
    kms: EmulatorServer;
    csms: EmulatorServer;
    aws: EmulatorServer;
  };
  /** The provider handlers, for per-call forced errors (`failNext`). */
  providers: {
    sae: SaeEmulator;
    apig: ApigEmulator;
    kms: KmsEmulator;
    csms: CsmsEmulator;
    aws: AwsSecretsManagerEmulator;
  };
  /** The seeded data each emulator serves, for tests to compare against. */
  data: { sae: SaeSeed; apig: ApigSeed; kms: KmsSeed; csms: CsmsSeed; aws: AwsSecretsManagerSeed };
  urls: { sae: string; apig: string; kms: string; csms: string; aws: string };
  /** Clears faults, forced errors and counters of all four, for the next test. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startEmulators(options: EmulatorSetOptions = {}): Promise<EmulatorSet> {
  const seedOptions = { scale: options.scale ?? 1, seed: options.seed };
  const data = {
    sae: generateSaeSeed(seedOptions),
    apig: generateApigSeed(seedOptions),
    kms: generateKmsSeed(seedOptions),
    csms: generateCsmsSeed(seedOptions),
    aws: generateAwsSecretsManagerSeed(seedOptions),
  };
  const providers = {
    sae: createSaeEmulator(data.sae, options.sae),
    apig: createApigEmulator(data.apig, options.apig),
    kms: createKmsEmulator(data.kms, options.kms),
    csms: createCsmsEmulator(data.csms, options.csms),
    aws: createAwsSecretsManagerEmulator(data.aws, options.aws),
  };
  const servers = {
    sae: new EmulatorServer(providers.sae, { faultSeed: 1 }),
    apig: new EmulatorServer(providers.apig, { faultSeed: 2 }),
    kms: new EmulatorServer(providers.kms, { faultSeed: 3 }),
    csms: new EmulatorServer(providers.csms, { faultSeed: 4 }),
    aws: new EmulatorServer(providers.aws, { faultSeed: 5 }),
  };
  const host = options.host ?? '127.0.0.1';
  const [sae, apig, kms, csms, aws] = await Promise.all(
    (['sae', 'apig', 'kms', 'csms', 'aws'] as const).map((name) =>
      servers[name].start(options.ports?.[name] ?? 0, host),
    ),
  );
  return {
    servers,
    providers,
    data,
    urls: { sae, apig, kms, csms, aws },
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
): GatewayConfig {
  const alibaba = EMULATOR_CREDENTIALS.alibaba;
  const huawei = EMULATOR_CREDENTIALS.huawei;
  // The emulators enforce no quota: the cloud defaults (SAE: 1 call/s) would only slow the demo.
  const rateLimit = { perSecond: 1000, burst: 1000 };
  return parseConfig(
    {
      server: { host: '127.0.0.1', port: 4000, graphiql: true, requestDeadlineMs: 15_000, ...overrides },
      sources: [
        {
          id: 'sae-demo',
          provider: 'alibaba-sae',
          region: emulators.data.sae.regionId,
          endpoint: emulators.urls.sae,
          credentials: alibaba,
          rateLimit,
        },
        {
          id: 'apig-demo',
          provider: 'alibaba-apig',
          region: emulators.data.apig.regionId,
          endpoint: emulators.urls.apig,
          credentials: alibaba,
          rateLimit,
        },
        {
          id: 'kms-demo',
          provider: 'alibaba-kms',
          region: emulators.data.kms.regionId,
          endpoint: emulators.urls.kms,
          credentials: alibaba,
          rateLimit,
        },
        {
          id: 'csms-demo',
          provider: 'huawei-csms',
          region: 'cn-north-4',
          endpoint: emulators.urls.csms,
          iamEndpoint: emulators.urls.csms,
          projectId: emulators.data.csms.projectId,
          rateLimit,
          credentials: { domainName: huawei.domainName, userName: huawei.userName, password: huawei.password },
        },
        {
          id: 'aws-demo',
          provider: 'aws-secrets-manager',
          region: emulators.data.aws.region,
          endpoint: emulators.urls.aws,
          rateLimit,
          credentials: {
            accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
            secretAccessKey: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
          },
        },
      ],
      // A fresh HS256 key per start: the demo's token (demoToken) dies with the process.
      auth: {
        jwt: { issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, hs256Secret: randomBytes(32).toString('base64url') },
      },
    },
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
