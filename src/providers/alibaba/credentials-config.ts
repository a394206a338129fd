import { z } from 'zod';
import { httpUrl } from '../../sources/source-config.js';

const stsSession = {
  roleSessionName: z
    .string()
    .regex(/^[a-zA-Z0-9.@_-]{2,64}$/, '2-64 letters, digits, ".", "@", "_" or "-"')
    .default('secrets-gateway'),
  /** Lifetime of each temporary credential; the library renews it 15 minutes before it ends. */
  durationSeconds: z.number().int().min(900).max(43_200).default(3600),
  /** STS endpoint (e.g. https://sts-vpc.cn-hangzhou.aliyuncs.com); https://sts.aliyuncs.com by default. */
  stsEndpoint: httpUrl.optional(),
};

/**
 * Static keys, or one of the chains of @alicloud/credentials, chosen per source. Only static keys
 * live in the file (better as `${ENV}` references); the chains read what the platform provides.
 */
export const alibabaCredentials = z.union([
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
      metadataEndpoint: httpUrl.optional(),
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
  z
    .object({
      accessKeyId: z.string().min(1),
      accessKeySecret: z.string().min(1),
      securityToken: z.string().min(1).optional(),
    })
    .strict(),
]);
export type AlibabaCredentialsConfig = z.infer<typeof alibabaCredentials>;
