import { z } from 'zod';
import { alibabaCredentials } from '../alibaba/credentials-config.js';
import { sourceFields } from '../../sources/source-config.js';

/** A source of this provider, as the configuration file gives it. */
export const kmsConfig = z.object({
  ...sourceFields,
  provider: z.literal('alibaba-kms'),
  credentials: alibabaCredentials,
});
export type KmsSourceConfig = z.infer<typeof kmsConfig>;
