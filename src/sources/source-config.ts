import { z } from 'zod';
import type { Provider } from '../domain/records.js';

/** The fields every configured source has, whatever its provider: each provider's config adds its own. */

export const sourceId = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/, 'letters, digits, "_", "." or "-", at most 63');
export const httpUrl = z.string().regex(/^https?:\/\/[^/\s]+$/, 'an http(s) URL without a path or trailing slash');

const policy = {
  maxConcurrency: z.number().int().min(1).max(64).optional(),
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
  rateLimit: z
    .object({ perSecond: z.number().positive().max(10_000), burst: z.number().int().min(1).max(10_000) })
    .strict()
    .optional(),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(10),
      baseDelayMs: z.number().int().min(1).max(60_000),
      maxDelayMs: z.number().int().min(1).max(120_000),
    })
    .strict()
    .optional(),
  circuitBreaker: z
    .object({
      failureThreshold: z.number().int().min(1).max(1000),
      halfOpenAfterMs: z.number().int().min(100).max(600_000),
    })
    .strict()
    .optional(),
  /** Cross-request metadata cache: `ttlMs: 0` turns it off; `readAhead` fetches whole provider pages. */
  cache: z
    .object({
      ttlMs: z.number().int().min(0).max(3_600_000),
      staleMs: z.number().int().min(0).max(3_600_000).default(0),
      readAhead: z.boolean().default(true),
    })
    .strict()
    .optional(),
  /** The synced index (README "The inventory"): `false` keeps this source live-only; `refreshMs` overrides the gateway's. */
  inventory: z
    .union([z.literal(false), z.object({ refreshMs: z.number().int().min(1000).max(86_400_000) }).strict()])
    .optional(),
};

export const sourceFields = {
  id: sourceId,
  region: z.string().regex(/^[a-z0-9-]+$/, 'a region id such as cn-hangzhou'),
  /** The provider's API; its public endpoint for the region by default. */
  endpoint: httpUrl.optional(),
  ...policy,
};

/** Retries and circuit breaking that suit every provider so far; a module may choose others. */
export const STANDARD_RETRY = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2000 };
export const STANDARD_BREAKER = { failureThreshold: 5, halfOpenAfterMs: 10_000 };

/** What the engine reads of any source's configuration; each provider's config extends it. */
export type SourceConfigBase = z.infer<z.ZodObject<typeof sourceFields>> & { provider: Provider };
