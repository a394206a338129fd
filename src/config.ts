import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { authSchema, limitsSchema } from './auth/config.js';
import type { ProviderCatalog, ProviderPlugin } from './sources/catalog.js';
import type { SourceConfigBase } from './sources/source-config.js';
import type { UpstreamPolicy } from './upstream/call.js';

/**
 * One configuration file (YAML or JSON), parsed and validated once at start. `${ENV_VAR}`
 * references keep keys out of the file; every problem is reported before the process exits.
 */

/** The configuration file's schema, for the catalog's providers: each source as its provider module declares it. */
export function configSchema(catalog: ProviderCatalog) {
  const sourceSchema = z.discriminatedUnion(
    'provider',
    catalog.providers.map((provider) => provider.config) as never,
  ) as unknown as z.ZodType<SourceConfigBase>;
  return gatewaySchema(sourceSchema);
}

const gatewaySchema = (sourceSchema: z.ZodType<SourceConfigBase>) =>
  z
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
      /**
       * Write cursors as earlier releases wrote them, so that their replicas read them: set it on the
       * new release's replicas during a rolling upgrade, and remove it once no older replica serves.
       */
      compatibleCursors: z.boolean().default(false),
      sources: z.array(sourceSchema).min(1),
      /** Credentials every request must carry, and what each grants (README "Access control"). */
      auth: authSchema,
      /** Query limits, applied before anything is executed. */
      limits: limitsSchema,
      /**
       * The synced index of every source's list data (README "The inventory"): each source is read whole
       * every `refreshMs`, and served from the index while it is fresh. Absent: every read is live.
       */
      inventory: z
        .object({
          refreshMs: z.number().int().min(1000).max(86_400_000),
          /** How long the change feed keeps a change (a cursor older than this must resync). */
          retentionMs: z
            .number()
            .int()
            .min(60_000)
            .max(30 * 86_400_000)
            .default(86_400_000),
        })
        .strict()
        .optional(),
      /**
       * Shared state of a fleet of replicas: rate limits, metadata cache, response cache and the
       * inventory's syncs. Absent: everything stays in this process. While Redis is unreachable each
       * replica falls back to its own.
       */
      redis: z
        .object({
          url: z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL'),
          /** Prepended to every key, so that several gateways (or environments) can share one Redis. */
          keyPrefix: z
            .string()
            .regex(/^[a-zA-Z0-9_.:-]{1,64}$/, 'letters, digits, "_", ".", ":" or "-"')
            .default('secrets-gateway:'),
          /** A command slower than this counts as a failure: the request goes on with local state. */
          commandTimeoutMs: z.number().int().min(10).max(10_000).default(250),
        })
        .strict()
        .optional(),
    })
    .superRefine((cfg, ctx) => {
      const seen = new Set<string>();
      cfg.sources.forEach((s, i) => {
        if (seen.has(s.id))
          ctx.addIssue({ code: 'custom', path: ['sources', i, 'id'], message: `duplicate source id "${s.id}"` });
        seen.add(s.id);
      });
      cfg.auth.apiKeys?.forEach((key, i) => {
        key.sources?.forEach((id, j) => {
          if (id !== '*' && !seen.has(id))
            ctx.addIssue({ code: 'custom', path: ['auth', 'apiKeys', i, 'sources', j], message: `no source "${id}"` });
        });
        key.namespaces?.forEach((ref, j) => {
          const id = ref.slice(0, ref.indexOf('/'));
          if (!seen.has(id))
            ctx.addIssue({
              code: 'custom',
              path: ['auth', 'apiKeys', i, 'namespaces', j],
              message: `no source "${id}"`,
            });
        });
      });
    });

/** The configuration, its sources typed as the catalog's providers declare them (the engine reads only their shared fields). */
export type GatewayConfig<S extends SourceConfigBase = SourceConfigBase> = Omit<
  z.infer<ReturnType<typeof configSchema>>,
  'sources'
> & { sources: S[] };

/** The configuration type of a catalog's providers. */
export type SourceConfigOf<P> = P extends { config: z.ZodType<infer C> } ? C & SourceConfigBase : never;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** `sources[0].credentials.accessKeyId`: the one way every problem names a place in the file. */
export function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
      '',
    ) || '(root)'
  );
}

/** Replaces `${NAME}` in every string; records where each unset name is used. */
function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[],
  unset: Map<string, string[]>,
): unknown {
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

export function parseConfig<P extends ProviderPlugin>(
  raw: unknown,
  catalog: ProviderCatalog<P>,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig<SourceConfigOf<P>> {
  const unset = new Map<string, string[]>();
  const interpolated = interpolate(raw, env, [], unset);
  const problems = [...unset].map(([name, paths]) => `${paths.join(', ')}: environment variable ${name} is not set`);
  const result = configSchema(catalog).safeParse(interpolated);
  if (!result.success) {
    // A value left empty by an unset variable is already reported above, by the variable's name
    // (and so is the union or object around it, when that is where the schema complains).
    const emptied = [...unset.values()].flat();
    for (const issue of result.error.issues) {
      const where = formatPath(issue.path);
      if (!emptied.some((path) => path === where || path.startsWith(`${where}.`) || path.startsWith(`${where}[`)))
        problems.push(`${where}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = result.data!;
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new ConfigError([`PORT: "${env.PORT}" is not a port number`]);
    config.server.port = port;
  }
  // The schema was built from this catalog's own source configurations.
  return config as GatewayConfig<SourceConfigOf<P>>;
}

export function loadConfigFile<P extends ProviderPlugin>(
  path: string,
  catalog: ProviderCatalog<P>,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig<SourceConfigOf<P>> {
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
  return parseConfig(raw, catalog, env);
}

export interface InventoryPolicy {
  refreshMs: number;
  /** The index serves reads until it is this old without a successful sync. */
  maxAgeMs: number;
}

/** A source's index policy: its own `inventory` over the gateway's; null when it stays live-only. */
export function inventoryPolicyOf(config: GatewayConfig, source: SourceConfigBase): InventoryPolicy | null {
  if (!config.inventory || source.inventory === false) return null;
  const refreshMs = source.inventory?.refreshMs ?? config.inventory.refreshMs;
  // Two periods: one failed or slow sync does not send every read to the cloud.
  return { refreshMs, maxAgeMs: 2 * refreshMs };
}

export interface SourceCachePolicy {
  ttlMs: number;
  staleMs: number;
  readAhead: boolean;
}

/** Metadata stays fresh 15 s and may be served up to 45 s more while it refreshes. */
export const DEFAULT_CACHE: SourceCachePolicy = { ttlMs: 15_000, staleMs: 45_000, readAhead: true };

export function cachePolicyOf(source: SourceConfigBase): SourceCachePolicy {
  return { ...DEFAULT_CACHE, ...source.cache };
}

/** A source's upstream policy: its own settings over its provider's defaults. */
export function policyOf(source: SourceConfigBase, defaults: UpstreamPolicy): UpstreamPolicy {
  return {
    maxConcurrency: source.maxConcurrency ?? defaults.maxConcurrency,
    timeoutMs: source.timeoutMs ?? defaults.timeoutMs,
    rateLimit: source.rateLimit ?? defaults.rateLimit,
    retry: source.retry ?? defaults.retry,
    circuitBreaker: source.circuitBreaker ?? defaults.circuitBreaker,
  };
}
