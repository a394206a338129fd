import { z } from 'zod';
import { alibabaCredentials } from '../alibaba/credentials-config.js';
import { sourceFields } from '../../sources/source-config.js';

/** A source of this provider, as the configuration file gives it. */
export const apigConfig = z.object({
  ...sourceFields,
  provider: z.literal('alibaba-apig'),
  credentials: alibabaCredentials,
});
export type ApigSourceConfig = z.infer<typeof apigConfig>;
