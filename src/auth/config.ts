import { z } from 'zod';

/**
 * The `auth` and `limits` sections of the configuration. Every request needs credentials: a bearer
 * JWT (HS256 secret, or RS/PS/ES keys from a JWKS file or URL) or a static API key, of which the
 * configuration holds only the SHA-256. See README "Access control".
 */

export const SCOPES = ['secrets:read', 'secrets:reveal'] as const;
export type Scope = (typeof SCOPES)[number];

const sourceId = z.string().regex(/^(\*|[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62})$/, 'a source id or "*"');
/** "sourceId/namespaceId", or "sourceId/*" for every namespace of that source. */
const namespaceRef = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}\/[^\s/][^\s]{0,255}$/, '"sourceId/namespaceId" or "sourceId/*"');

const grantFields = {
  scopes: z.array(z.enum(SCOPES)).min(1),
  /** Absent or ["*"]: every source. */
  sources: z.array(sourceId).min(1).optional(),
  /** Absent: every namespace of the granted sources. */
  namespaces: z.array(namespaceRef).min(1).optional(),
};

const claimName = z.string().regex(/^[A-Za-z0-9_:./-]{1,128}$/, 'a claim name');

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;

const jwtSchema = z
  .object({
    /** Accepted `iss` values. */
    issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Accepted `aud` values (one must match). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwksFile: z.string().min(1).optional(),
    jwksUrl: z
      .string()
      .regex(
        /^(https:\/\/\S+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/\S*)?)$/,
        'an https URL (http only on loopback)',
      )
      .optional(),
    hs256Secret: z.string().min(32, 'at least 32 characters').optional(),
    /** Accepted `alg` values for JWKS keys (default RS256). HS256 goes with hs256Secret only. */
    algorithms: z.array(z.enum(ASYMMETRIC)).min(1).optional(),
    /** Allowed clock difference for exp/nbf/iat. */
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
    /** Reject tokens issued (iat) longer ago than this, whatever their exp says. */
    maxTokenAgeSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .optional(),
    claims: z
      .object({
        scope: claimName.default('scope'),
        sources: claimName.default('sources'),
        namespaces: claimName.default('namespaces'),
      })
      .strict()
      .default({ scope: 'scope', sources: 'sources', namespaces: 'namespaces' }),
  })
  .strict()
  .superRefine((jwt, ctx) => {
    const keySources = [jwt.jwksFile, jwt.jwksUrl, jwt.hs256Secret].filter((v) => v !== undefined).length;
    if (keySources !== 1)
      ctx.addIssue({ code: 'custom', message: 'set exactly one of jwksFile, jwksUrl or hs256Secret' });
    if (jwt.hs256Secret !== undefined && jwt.algorithms !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['algorithms'],
        message: 'hs256Secret verifies HS256 only; algorithms apply to JWKS keys',
      });
  });

const apiKeySchema = z
  .object({
    /** Who the key belongs to: the audit log's subject is "api-key:<id>". */
    id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, "_", "." or "-"'),
    /** Hex SHA-256 of the key; the key itself never goes into the configuration. */
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits (sha256 of the key)'),
    ...grantFields,
  })
  .strict();

export const authSchema = z
  .object(
    {
      jwt: jwtSchema.optional(),
      apiKeys: z.array(apiKeySchema).min(1).optional(),
    },
    {
      error: (issue) =>
        issue.input === undefined
          ? 'required: configure auth.jwt and/or auth.apiKeys (every request needs credentials)'
          : undefined,
    },
  )
  .strict()
  .superRefine((auth, ctx) => {
    if (!auth.jwt && !auth.apiKeys)
      ctx.addIssue({
        code: 'custom',
        message: 'configure auth.jwt and/or auth.apiKeys: every request needs credentials',
      });
    const ids = new Set<string>();
    const hashes = new Set<string>();
    auth.apiKeys?.forEach((key, i) => {
      if (ids.has(key.id))
        ctx.addIssue({ code: 'custom', path: ['apiKeys', i, 'id'], message: `duplicate api key id "${key.id}"` });
      if (hashes.has(key.sha256.toLowerCase()))
        ctx.addIssue({
          code: 'custom',
          path: ['apiKeys', i, 'sha256'],
          message: 'the same key hash is configured twice',
        });
      ids.add(key.id);
      hashes.add(key.sha256.toLowerCase());
    });
  });

export const LIMIT_DEFAULTS = {
  maxDepth: 10,
  maxAliases: 30,
  maxBreadth: 300,
  maxDirectives: 50,
  maxTokens: 5000,
  maxBodyBytes: 65_536,
  maxCost: 2500,
  maxNesting: 64,
  maxVariablesDepth: 16,
  maxVariablesBytes: 65_536,
  maxVariablesListLength: 1000,
  introspection: true,
} as const;

export const limitsSchema = z
  .object({
    /** Nesting of field selections (fragments counted where they are spread). */
    maxDepth: z.number().int().min(2).max(100).default(LIMIT_DEFAULTS.maxDepth),
    /** Aliased fields in one operation (`__typename` aliases excepted). */
    maxAliases: z.number().int().min(0).max(10_000).default(LIMIT_DEFAULTS.maxAliases),
    /** Field selections in one operation, fragments expanded. */
    maxBreadth: z.number().int().min(1).max(100_000).default(LIMIT_DEFAULTS.maxBreadth),
    maxDirectives: z.number().int().min(0).max(10_000).default(LIMIT_DEFAULTS.maxDirectives),
    /** Lexical tokens of one document. */
    maxTokens: z.number().int().min(100).max(1_000_000).default(LIMIT_DEFAULTS.maxTokens),
    /** Request body; larger bodies get HTTP 413 before anything is parsed. */
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(LIMIT_DEFAULTS.maxBodyBytes),
    /** Estimated upstream calls: page size × (1 + detail and value fields per node), summed. */
    maxCost: z.number().int().min(1).max(1_000_000).default(LIMIT_DEFAULTS.maxCost),
    /** Brackets, braces and parentheses open at once in a document: bounds the parser's recursion. */
    maxNesting: z.number().int().min(8).max(500).default(LIMIT_DEFAULTS.maxNesting),
    /** Objects and lists nested in `variables` (and `extensions`). */
    maxVariablesDepth: z.number().int().min(2).max(500).default(LIMIT_DEFAULTS.maxVariablesDepth),
    /** `variables` (and `extensions`) measured as JSON. */
    maxVariablesBytes: z
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024)
      .default(LIMIT_DEFAULTS.maxVariablesBytes),
    /** Items of any one list in `variables` (and `extensions`). */
    maxVariablesListLength: z.number().int().min(1).max(1_000_000).default(LIMIT_DEFAULTS.maxVariablesListLength),
    introspection: z.boolean().default(LIMIT_DEFAULTS.introspection),
    /** Allow-list for portals: a JSON file { "<sha256 of the document>": "<document>" }. */
    persistedOperations: z
      .object({ file: z.string().min(1), allowArbitraryOperations: z.boolean().default(false) })
      .strict()
      .optional(),
  })
  .strict()
  .default({ ...LIMIT_DEFAULTS });

export type AuthConfig = z.infer<typeof authSchema>;
export type JwtConfig = NonNullable<AuthConfig['jwt']>;
export type ApiKeyConfig = NonNullable<AuthConfig['apiKeys']>[number];
export type LimitsConfig = z.infer<typeof limitsSchema>;
