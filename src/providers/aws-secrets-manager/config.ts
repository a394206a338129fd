import { z } from 'zod';
import { sourceFields } from '../../sources/source-config.js';

/** A source of this provider, as the configuration file gives it. */
export const awsConfig = z.object({
  ...sourceFields,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
  provider: z.literal('aws-secrets-manager'),
  /** Static keys (better as `${ENV}` references), or `{ type: default }`: the SDK's default chain (environment, profile, web identity, IMDS). */
  credentials: z
    .union([
      z.object({ type: z.literal('default') }).strict(),
      z
        .object({
          accessKeyId: z.string().min(1),
          secretAccessKey: z.string().min(1),
          sessionToken: z.string().min(1).optional(),
        })
        .strict(),
    ])
    .default({ type: 'default' }),
  /** List secrets scheduled for deletion too (ListSecrets IncludePlannedDeletion). */
  includePlannedDeletion: z.boolean().default(false),
});
export type AwsSourceConfig = z.infer<typeof awsConfig>;
