import { z } from 'zod';
import { httpUrl, sourceFields } from '../../sources/source-config.js';

/** A source of this provider, as the configuration file gives it. */
export const csmsConfig = z.object({
  ...sourceFields,
  provider: z.literal('huawei-csms'),
  projectId: z.string().regex(/^[a-zA-Z0-9]{1,64}$/, 'a project id'),
  /** IAM, for password credentials; https://iam.<region>.myhuaweicloud.com by default. */
  iamEndpoint: httpUrl.optional(),
  credentials: z.union([
    z.object({ ak: z.string().min(1), sk: z.string().min(1), securityToken: z.string().optional() }).strict(),
    z.object({ token: z.string().min(1) }).strict(),
    z
      .object({
        domainName: z.string().min(1),
        userName: z.string().min(1),
        password: z.string().min(1),
        projectName: z.string().optional(),
      })
      .strict(),
  ]),
});
export type CsmsSourceConfig = z.infer<typeof csmsConfig>;
