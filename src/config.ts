import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { authSchema, limitsSchema } from './auth/config.js';
import { PROVIDERS } from './sources/types.js';
import type { UpstreamPolicy } from './upstream/call.js';

/**
 * One configuration file (YAML or JSON), parsed and validated once at start. `${ENV_VAR}`
 * references keep keys out of the file; every problem is reported before the process exits.
 */

const id = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, "_", "." or "-", at most 63');
const url = z.string().regex(/^https?:\/\/[^/\s]+$/, 'an http(s) URL without a path or trailing slash');

const policy = {
  maxConcurrency: z.number().int().min(1).max(64).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  rateLimit: z.object({ perSecond: z.number().positive().max(10_000), burst: z.number().int().min(1).max(10_000) }).strict().optional(),
  retry: z
    .object({ maxAttempts: z.number().int().min(1).max(10), baseDelayMs: z.number().int().min(1).max(60_000), maxDelayMs: z.number().int().min(1).max(120_000) })
    .strict()
    .optional(),
  circuitBreaker: z.object({ failureThreshold: z.number().int().min(1).max(1000), halfOpenAfterMs: z.number().int().min(100).max(600_000) }).strict().optional(),
  /** Cross-request metadata cache: `ttlMs: 0` turns it off; `readAhead` fetches whole provider pages. */
  cache: z
    .object({ ttlMs: z.number().int().min(0).max(3_600_000), staleMs: z.number().int().min(0).max(3_600_000).default(0), readAhead: z.boolean().default(true) })
    .strict()
    .optional(),
};

const stsSession = {
  roleSessionName: z.string().regex(/^[a-zA-Z0-9.@_-]{2,64}$/, '2-64 letters, digits, ".", "@", "_" or "-"').default('secrets-gateway'),
  /** Lifetime of each temporary credential; the library renews it 15 minutes before it ends. */
  durationSeconds: z.number().int().min(900).max(43_200).default(3600),
  /** STS endpoint (e.g. https://sts-vpc.cn-hangzhou.aliyuncs.com); https://sts.aliyuncs.com by default. */
  stsEndpoint: url.optional(),
};

/**
 * Static keys, or one of the chains of @alicloud/credentials, chosen per source. Only static keys
 * live in the file (better as `${ENV}` references); the chains read what the platform provides.
 */
const alibabaCredentials = z.union([
  z.object({ type: z.literal('default') }).strict(),
  z.object({ type: z.literal('environment') }).strict(),
  z.object({ type: z.literal('profile'), profile: z.string().min(1).optional() }).strict(),
  z
    .object({
      type: z.literal('ecs_ram_role'),
      /** The instance's role; read from the metadata service when absent. */
      roleName: z.string().min(1).optional(),
      /** IMDSv2 only (a session token for every metadata read). */
      disableIMDSv1: z.boolean().default(true),
      /** The instance metadata service; http://100.100.100.200 by default (a metadata proxy, the emulator). */
      metadataEndpoint: url.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('oidc_role_arn'),
      /** RRSA on ACK injects ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE; these override them. */
      roleArn: z.string().startsWith('acs:ram::').optional(),
      oidcProviderArn: z.string().startsWith('acs:ram::').optional(),
      oidcTokenFile: z.string().min(1).optional(),
      ...stsSession,
    })
    .strict(),
  z
    .object({
      type: z.literal('ram_role_arn'),
      accessKeyId: z.string().min(1),
      accessKeySecret: z.string().min(1),
      roleArn: z.string().startsWith('acs:ram::'),
      externalId: z.string().min(1).optional(),
      ...stsSession,
    })
    .strict(),
  z.object({ accessKeyId: z.string().min(1), accessKeySecret: z.string().min(1), securityToken: z.string().min(1).optional() }).strict(),
]);
export type AlibabaCredentialsConfig = z.infer<typeof alibabaCredentials>;

const base = { id, region: z.string().regex(/^[a-z0-9-]+$/, 'a region id such as cn-hangzhou'), endpoint: url.optional(), ...policy };

const saeSource = z.object({
  ...base,
  provider: z.literal('alibaba-sae'),
  credentials: alibabaCredentials,
  /** Namespace ids; when absent they are discovered with DescribeNamespaceList. */
  namespaces: z.array(z.string().min(1)).min(1).optional(),
});
const apigSource = z.object({ ...base, provider: z.literal('alibaba-apig'), credentials: alibabaCredentials });
const kmsSource = z.object({ ...base, provider: z.literal('alibaba-kms'), credentials: alibabaCredentials });
const csmsSource = z.object({
  ...base,
  provider: z.literal('huawei-csms'),
  projectId: z.string().regex(/^[a-zA-Z0-9]{1,64}$/, 'a project id'),
  iamEndpoint: url.optional(),
  credentials: z.union([
    z.object({ ak: z.string().min(1), sk: z.string().min(1), securityToken: z.string().optional() }).strict(),
    z.object({ token: z.string().min(1) }).strict(),
    z.object({ domainName: z.string().min(1), userName: z.string().min(1), password: z.string().min(1), projectName: z.string().optional() }).strict(),
  ]),
});

const sourceSchema = z.discriminatedUnion('provider', [saeSource, apigSource, kmsSource, csmsSource]);

export const configSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4000),
        graphiql: z.boolean().default(true),
        /** Every GraphQL request answers within this, with whatever the sources gave by then. */
        requestDeadlineMs: z.number().int().min(100).max(300_000).default(15_000),
      })
      .default({ host: '127.0.0.1', port: 4000, graphiql: true, requestDeadlineMs: 15_000 }),
    /** Key that signs pagination cursors; random per process when absent (cursors then die with it). */
    cursorSecret: z.string().min(16).optional(),
    sources: z.array(sourceSchema).min(1),
    /** Credentials every request must carry, and what each grants (README "Access control"). */
    auth: authSchema,
    /** Query limits, applied before anything is executed. */
    limits: limitsSchema,
    /**
     * Shared state of a fleet of replicas: rate limits, metadata cache and response cache. Absent:
     * everything stays in this process. While Redis is unreachable each replica falls back to its own.
     */
    redis: z
      .object({
        url: z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL'),
        /** Prepended to every key, so that several gateways (or environments) can share one Redis. */
        keyPrefix: z.string().regex(/^[a-zA-Z0-9_.:-]{1,64}$/, 'letters, digits, "_", ".", ":" or "-"').default('secrets-gateway:'),
        /** A command slower than this counts as a failure: the request goes on with local state. */
        commandTimeoutMs: z.number().int().min(10).max(10_000).default(250),
      })
      .strict()
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.sources.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}"` });
      seen.add(s.id);
    });
    cfg.auth.apiKeys?.forEach((key, i) => {
      key.sources?.forEach((id, j) => {
        if (id !== '*' && !seen.has(id)) ctx.addIssue({ code: 'custom', path: ['auth', 'apiKeys', i, 'sources', j], message: `no source "${id}"` });
      });
      key.namespaces?.forEach((ref, j) => {
        const id = ref.slice(0, ref.indexOf('/'));
        if (!seen.has(id)) ctx.addIssue({ code: 'custom', path: ['auth', 'apiKeys', i, 'namespaces', j], message: `no source "${id}"` });
      });
    });
  });

export type GatewayConfig = z.infer<typeof configSchema>;
export type SourceConfig = GatewayConfig['sources'][number];
export type SaeSourceConfig = z.infer<typeof saeSource>;
export type ApigSourceConfig = z.infer<typeof apigSource>;
export type KmsSourceConfig = z.infer<typeof kmsSource>;
export type CsmsSourceConfig = z.infer<typeof csmsSource>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `sources[0].credentials.accessKeyId`: the one way every problem names a place in the file. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '') || '(root)';
}

/** Replaces `${NAME}` in every string; records where each unset name is used. */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[], unset: Map<string, string[]>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        unset.set(name, [...(unset.get(name) ?? []), formatPath(path)]);
        return '';
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], unset));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, [...path, k], unset)]));
  }
  return value;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const unset = new Map<string, string[]>();
  const interpolated = interpolate(raw, env, [], unset);
  const problems = [...unset].map(([name, paths]) => `${paths.join(', ')}: environment variable ${name} is not set`);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    // A value left empty by an unset variable is already reported above, by the variable's name
    // (and so is the union or object around it, when that is where the schema complains).
    const emptied = [...unset.values()].flat();
    for (const issue of result.error.issues) {
      const where = formatPath(issue.path);
      if (!emptied.some((path) => path === where || path.startsWith(`${where}.`) || path.startsWith(`${where}[`))) problems.push(`${where}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = result.data!;
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError([`PORT: "${env.PORT}" is not a port number`]);
    config.server.port = port;
  }
  return config;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`]);
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // The YAML parser's message ends with an excerpt of the line and a caret under the problem.
    const message = (error as Error).message.trimEnd().replace(/\n/g, '\n    ');
    throw new ConfigError([`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${message}`]);
  }
  return parseConfig(raw, env);
}

export const PUBLIC_ENDPOINTS: Record<(typeof PROVIDERS)[number], (region: string) => string> = {
  'alibaba-sae': (region) => `https://sae.${region}.aliyuncs.com`,
  'alibaba-apig': (region) => `https://apig.${region}.aliyuncs.com`,
  'alibaba-kms': (region) => `https://kms.${region}.aliyuncs.com`,
  'huawei-csms': (region) => `https://kms.${region}.myhuaweicloud.com`,
};

export const huaweiIamEndpoint = (region: string): string => `https://iam.${region}.myhuaweicloud.com`;

const RETRY = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2000 };
const BREAKER = { failureThreshold: 5, halfOpenAfterMs: 10_000 };

/**
 * Defaults per provider, from their published quotas: SAE allows about 60 calls a minute per
 * user; KMS and APIG answer tens of calls a second per account; Huawei's API gateway throttles
 * (APIG.0308) well above what one gateway needs. Each source can override any of them.
 */
export const DEFAULT_POLICY: Record<(typeof PROVIDERS)[number], UpstreamPolicy> = {
  'alibaba-sae': { maxConcurrency: 5, timeoutMs: 5000, rateLimit: { perSecond: 1, burst: 20 }, retry: RETRY, circuitBreaker: BREAKER },
  'alibaba-apig': { maxConcurrency: 8, timeoutMs: 5000, rateLimit: { perSecond: 20, burst: 40 }, retry: RETRY, circuitBreaker: BREAKER },
  'alibaba-kms': { maxConcurrency: 8, timeoutMs: 5000, rateLimit: { perSecond: 50, burst: 100 }, retry: RETRY, circuitBreaker: BREAKER },
  'huawei-csms': { maxConcurrency: 8, timeoutMs: 5000, rateLimit: { perSecond: 20, burst: 40 }, retry: RETRY, circuitBreaker: BREAKER },
};

export interface SourceCachePolicy {
  ttlMs: number;
  staleMs: number;
  readAhead: boolean;
}

/** Metadata stays fresh 15 s and may be served up to 45 s more while it refreshes. */
export const DEFAULT_CACHE: SourceCachePolicy = { ttlMs: 15_000, staleMs: 45_000, readAhead: true };

export function cachePolicyOf(source: SourceConfig): SourceCachePolicy {
  return { ...DEFAULT_CACHE, ...source.cache };
}

export function policyOf(source: SourceConfig): UpstreamPolicy {
  const defaults = DEFAULT_POLICY[source.provider];
  return {
    maxConcurrency: source.maxConcurrency ?? defaults.maxConcurrency,
    timeoutMs: source.timeoutMs ?? defaults.timeoutMs,
    rateLimit: source.rateLimit ?? defaults.rateLimit,
    retry: source.retry ?? defaults.retry,
    circuitBreaker: source.circuitBreaker ?? defaults.circuitBreaker,
  };
}
