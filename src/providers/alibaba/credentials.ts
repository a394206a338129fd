import { createRequire } from 'node:module';
import type { AlibabaCredentialsConfig } from './credentials-config.js';
import { redact, registerSecret } from '../../upstream/redact.js';

/**
 * Alibaba Cloud credentials from the cloud's own chain (@alicloud/credentials): static keys, the
 * environment, the credentials file, the ECS instance's RAM role (IMDS), RRSA on ACK (OIDC →
 * AssumeRoleWithOIDC) or AssumeRole. Temporary credentials are renewed by the library before they
 * expire (15 minutes ahead); pop-core asks for them on every call (`credentialsProvider`), so a
 * renewed token is used from the next call on.
 */

export interface AlibabaCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** What pop-core 1.8 takes as `credentialsProvider`. */
export interface CredentialsSource {
  getCredentials(): Promise<AlibabaCredentials>;
}

interface LibraryRequest {
  protocol: string;
  host: string;
}
interface LibraryProvider {
  getCredentials(): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string }>;
  doRequest?: (request: LibraryRequest) => Promise<unknown>;
}
interface Builder {
  build(): LibraryProvider;
  [method: string]: (...args: any[]) => any;
}
interface ProviderClass {
  builder(): Builder;
}

const require = createRequire(import.meta.url);
/** Loaded by the first source that uses a chain: a gateway on static keys never loads it. */
let loaded: Record<string, ProviderClass> | null = null;
const library = (): Record<string, ProviderClass> =>
  (loaded ??= require('@alicloud/credentials') as Record<string, ProviderClass>);

/** A credential the chain could not produce (no role, STS refused, metadata unreachable). Never carries a key. */
export class CredentialsUnavailableError extends Error {
  readonly code = 'CredentialsUnavailable';
  /** Read as an authentication failure (UPSTREAM_AUTH_FAILED) by the upstream path. */
  readonly httpStatus = 401;
  /** What the upstream path shows as the failure's message. */
  readonly errorMessage: string;
  constructor(
    readonly chain: string,
    reason: string,
  ) {
    super(redact(`credentials (${chain}) could not be obtained: ${reason}`));
    this.errorMessage = this.message;
  }
}

/**
 * The library builds STS and metadata URLs itself (https://sts.aliyuncs.com, http://100.100.100.200).
 * An endpoint override (a VPC STS endpoint, a metadata proxy, the local emulators) is applied to each
 * request it makes, through the provider's request seam.
 */
function redirect(provider: LibraryProvider, endpoint: string | undefined): LibraryProvider {
  if (!endpoint || !provider.doRequest) return provider;
  const target = new URL(endpoint);
  const send = provider.doRequest.bind(provider);
  provider.doRequest = (request) => {
    request.protocol = target.protocol.replace(':', '');
    request.host = target.host;
    return send(request);
  };
  return provider;
}

function chainOf(config: AlibabaCredentialsConfig): { name: string; provider: LibraryProvider } | null {
  if (!('type' in config)) return null;
  switch (config.type) {
    case 'default':
      return { name: 'default chain', provider: library().DefaultCredentialsProvider.builder().build() };
    case 'environment':
      return { name: 'environment', provider: library().EnvironmentVariableCredentialsProvider.builder().build() };
    case 'profile': {
      const builder = library().ProfileCredentialsProvider.builder();
      if (config.profile) builder.withProfileName(config.profile);
      return { name: 'credentials file', provider: builder.build() };
    }
    case 'ecs_ram_role': {
      const builder = library().ECSRAMRoleCredentialsProvider.builder().withDisableIMDSv1(config.disableIMDSv1);
      if (config.roleName) builder.withRoleName(config.roleName);
      return { name: 'ECS RAM role', provider: redirect(builder.build(), config.metadataEndpoint) };
    }
    case 'oidc_role_arn': {
      const builder = library().OIDCRoleArnCredentialsProvider.builder().withDurationSeconds(config.durationSeconds);
      if (config.roleArn) builder.withRoleArn(config.roleArn);
      if (config.oidcProviderArn) builder.withOIDCProviderArn(config.oidcProviderArn);
      if (config.oidcTokenFile) builder.withOIDCTokenFilePath(config.oidcTokenFile);
      if (config.roleSessionName) builder.withRoleSessionName(config.roleSessionName);
      return { name: 'OIDC role (RRSA)', provider: redirect(builder.build(), config.stsEndpoint) };
    }
    case 'ram_role_arn': {
      registerSecret(config.accessKeyId);
      registerSecret(config.accessKeySecret);
      const base = library()
        .StaticAKCredentialsProvider.builder()
        .withAccessKeyId(config.accessKeyId)
        .withAccessKeySecret(config.accessKeySecret)
        .build();
      const builder = library()
        .RAMRoleARNCredentialsProvider.builder()
        .withCredentialsProvider(base)
        .withRoleArn(config.roleArn)
        .withRoleSessionName(config.roleSessionName)
        .withDurationSeconds(config.durationSeconds);
      if (config.externalId) builder.withExternalId(config.externalId);
      return { name: 'AssumeRole', provider: redirect(builder.build(), config.stsEndpoint) };
    }
  }
}

/** Static keys as they are; every other kind through the library, with its failures made plain. */
export function credentialsSource(config: AlibabaCredentialsConfig): CredentialsSource {
  const chain = chainOf(config);
  if (!chain) {
    const fixed = config as AlibabaCredentials;
    for (const value of [fixed.accessKeyId, fixed.accessKeySecret, fixed.securityToken]) registerSecret(value);
    return { getCredentials: async () => fixed };
  }
  return {
    async getCredentials() {
      let credentials: Awaited<ReturnType<LibraryProvider['getCredentials']>>;
      try {
        credentials = await chain.provider.getCredentials();
      } catch (error) {
        throw new CredentialsUnavailableError(chain.name, error instanceof Error ? error.message : String(error));
      }
      // Temporary keys change on renewal: each is kept out of every message and log line.
      registerSecret(credentials.accessKeyId);
      registerSecret(credentials.accessKeySecret);
      registerSecret(credentials.securityToken);
      return {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken || undefined,
      };
    },
  };
}
