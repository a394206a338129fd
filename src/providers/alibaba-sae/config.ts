import { z } from 'zod';
import { alibabaCredentials } from '../alibaba/credentials-config.js';
import { sourceFields } from '../../sources/source-config.js';

/** A source of this provider, as the configuration file gives it. */
export const saeConfig = z.object({
  ...sourceFields,
  provider: z.literal('alibaba-sae'),
  credentials: alibabaCredentials,
  /** Namespace ids; when absent they are discovered with DescribeNamespaceList. */
  namespaces: z.array(z.string().min(1)).min(1).optional(),
});
export type SaeSourceConfig = z.infer<typeof saeConfig>;
