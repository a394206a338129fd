import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { credentialsMap, isoSeconds, jsonResponse, newRequestId } from '../providers/alibaba/emulator-common.js';
import {
  NonceStore,
  RPC_TIMESTAMP_WINDOW_MS,
  rpcParamsOf,
  verifyRpcRequest,
  type VerifyFailure,
} from '../providers/alibaba/emulator-signature.js';
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from './core.js';

/**
 * Where Alibaba Cloud workloads get temporary credentials, emulated on loopback:
 *
 * - STS 2015-04-01 (RPC): `AssumeRole`, signed by a RAM user's key that the role trusts, and
 *   `AssumeRoleWithOIDC` (RRSA on ACK: unsigned, the proof is the service account's OIDC token,
 *   checked like STS does: RS256 signature by the registered provider's key, issuer, audience
 *   `sts.aliyuncs.com`, expiry, and the role's trust in that provider). DurationSeconds 900..43200.
 * - The ECS instance metadata service: IMDSv2 session token (`PUT /latest/api/token`), the
 *   instance's role name and its credentials (`/latest/meta-data/ram/security-credentials/<role>`),
 *   the token required when IMDSv1 is off, as on an instance hardened that way.
 *
 * Issued credentials (`STS.` keys) are registered with the authority, which the SAE, APIG and KMS
 * emulators consult: a temporary key is accepted only with its own security token, before it expires.
 */

export const STS_API_VERSION = '2015-04-01';
export const RRSA_AUDIENCE = 'sts.aliyuncs.com';
/** The emulated ACK cluster's OIDC provider, as RAM names it. */
export const EMULATED_OIDC_PROVIDER_ARN = 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-c-emulator';

export interface TemporaryCredential {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiresAt: number;
  /** The role it was issued for. */
  roleArn: string;
}

export interface RoleTrust {
  /** RAM users (access key ids) that may AssumeRole. */
  users?: string[];
  /** OIDC provider ARNs whose tokens may AssumeRoleWithOIDC, and the subjects allowed (default any). */
  oidcProviders?: string[];
  subjects?: string[];
}

export interface CredentialAuthorityOptions {
  /** Long-lived RAM user keys: AccessKeyId → AccessKeySecret. */
  users: Record<string, string>;
  roles: Record<string, RoleTrust>;
  /** The ECS instance's role. */
  instanceRole?: string;
  /** Issued credentials live this long whatever was asked (to watch renewal in a test); default as asked. */
  lifetimeSeconds?: number;
  now?: () => number;
}

/** Who may get which credential, and every temporary credential issued so far. */
export class CredentialAuthority {
  readonly issued = new Map<string, TemporaryCredential>();
  readonly oidcIssuer = 'https://oidc-ack.emulator.local/clusters/c-emulator';
  readonly oidcProviderArn = EMULATED_OIDC_PROVIDER_ARN;
  private readonly oidcKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly now: () => number;

  constructor(readonly options: CredentialAuthorityOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Secrets of users and of every temporary key issued, as the provider emulators look them up. */
  readonly credentials: ReadonlyMap<string, string> = new LiveSecrets(this);

  /** A temporary key needs its own token, unexpired; a user key needs none. */
  checkSecurityToken(accessKeyId: string, token: string | undefined): VerifyFailure | null {
    const issued = this.issued.get(accessKeyId);
    if (!issued) return null;
    if (!token)
      return {
        ok: false,
        status: 400,
        code: 'MissingSecurityToken',
        message: 'SecurityToken is mandatory for this action.',
      };
    if (token !== issued.securityToken)
      return {
        ok: false,
        status: 400,
        code: 'InvalidSecurityToken.MismatchWithAccessKey',
        message: 'Specified SecurityToken mismatch with the AccessKey.',
      };
    if (this.now() >= issued.expiresAt)
      return {
        ok: false,
        status: 400,
        code: 'InvalidSecurityToken.Expired',
        message: 'Specified SecurityToken is expired.',
      };
    return null;
  }

  issue(roleArn: string, durationSeconds: number): TemporaryCredential {
    const lifetime = this.options.lifetimeSeconds ?? durationSeconds;
    const credential: TemporaryCredential = {
      accessKeyId: `STS.${randomBytes(12).toString('base64url')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64url')}`,
      expiresAt: Math.floor((this.now() + lifetime * 1000) / 1000) * 1000,
      roleArn,
    };
    this.issued.set(credential.accessKeyId, credential);
    return credential;
  }

  /** A service account token as the ACK cluster's OIDC issuer writes it into the pod (RRSA). */
  serviceAccountToken(
    subject = 'system:serviceaccount:platform:secrets-gateway',
    options: { audience?: string; expiresInSeconds?: number; key?: KeyObject } = {},
  ): string {
    return jwt.sign(
      { sub: subject },
      (options.key ?? this.oidcKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }),
      {
        algorithm: 'RS256',
        issuer: this.oidcIssuer,
        audience: options.audience ?? RRSA_AUDIENCE,
        expiresIn: options.expiresInSeconds ?? 3600,
        keyid: 'emulator-rrsa',
      },
    );
  }

  verifyServiceAccountToken(token: string): { ok: true; subject: string } | { ok: false; reason: string } {
    try {
      const claims = jwt.verify(token, this.oidcKeys.publicKey.export({ type: 'spki', format: 'pem' }), {
        algorithms: ['RS256'],
        issuer: this.oidcIssuer,
        audience: RRSA_AUDIENCE,
        clockTimestamp: Math.floor(this.now() / 1000),
      }) as jwt.JwtPayload;
      if (!claims.sub) return { ok: false, reason: 'the token has no subject' };
      return { ok: true, subject: claims.sub };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }
}

/** A Map view that follows the authority as it issues keys (the emulators take a Map of AK → secret). */
class LiveSecrets extends Map<string, string> {
  constructor(private readonly authority: CredentialAuthority) {
    super();
  }
  override get(accessKeyId: string): string | undefined {
    return this.authority.options.users[accessKeyId] ?? this.authority.issued.get(accessKeyId)?.accessKeySecret;
  }
  override has(accessKeyId: string): boolean {
    return this.get(accessKeyId) !== undefined;
  }
}

const STS_ERRORS = {
  MissingParameter: 400,
  'InvalidParameter.DurationSeconds': 400,
  'InvalidParameter.RoleSessionName': 400,
  NoPermission: 403,
  'EntityNotExist.Role': 404,
  'InvalidParameter.OIDCToken': 400,
  'AuthenticationFail.OIDCToken.Invalid': 401,
  'AuthenticationFail.NoPermission': 403,
  'InvalidAction.NotFound': 404,
} as const;

function stsError(code: keyof typeof STS_ERRORS | string, message: string, status?: number): EmulatorResponse {
  return jsonResponse(status ?? STS_ERRORS[code as keyof typeof STS_ERRORS] ?? 400, {
    RequestId: newRequestId(),
    HostId: 'sts.aliyuncs.com',
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Sts`,
  });
}

function credentialsBody(
  credential: TemporaryCredential,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const roleName = credential.roleArn.slice(credential.roleArn.lastIndexOf('/') + 1);
  return {
    RequestId: newRequestId(),
    Credentials: {
      AccessKeyId: credential.accessKeyId,
      AccessKeySecret: credential.accessKeySecret,
      SecurityToken: credential.securityToken,
      Expiration: isoSeconds(credential.expiresAt),
    },
    AssumedRoleUser: {
      Arn: `${credential.roleArn.replace(':role/', ':assumed-role/')}/session`,
      AssumedRoleId: `3${randomBytes(8).toString('hex')}:${roleName}`,
    },
    ...extra,
  };
}

function sessionParams(params: Record<string, string>): { duration: number } | EmulatorResponse {
  const duration = params.DurationSeconds === undefined ? 3600 : Number(params.DurationSeconds);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200)
    return stsError('InvalidParameter.DurationSeconds', 'The parameter DurationSeconds is invalid: 900..43200.');
  if (!params.RoleSessionName || !/^[a-zA-Z0-9.@_-]{2,64}$/.test(params.RoleSessionName))
    return stsError('InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is invalid.');
  if (!params.RoleArn)
    return stsError(
      'MissingParameter',
      'The input parameter "RoleArn" that is mandatory for processing this request is not supplied.',
    );
  return { duration };
}

/** STS (RPC at `/`) and the ECS metadata service (`/latest/...`) on one loopback server. */
export function createStsEmulator(authority: CredentialAuthority): ProviderEmulator {
  const nonces = new NonceStore(RPC_TIMESTAMP_WINDOW_MS);
  const users = credentialsMap(authority.options.users);
  const imdsTokens = new Map<string, number>();
  const now = authority.options.now ?? Date.now;

  const assumeRole = (req: EmulatorRequest): EmulatorResponse => {
    const verified = verifyRpcRequest(req, users, { now: now(), nonces });
    if (!verified.ok) return stsError(verified.code, verified.message, verified.status);
    const session = sessionParams(verified.params);
    if ('status' in session) return session;
    const trust = authority.options.roles[verified.params.RoleArn];
    if (!trust) return stsError('EntityNotExist.Role', 'The role not exists.');
    if (!trust.users?.includes(verified.accessKeyId))
      return stsError('NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.');
    return jsonResponse(200, credentialsBody(authority.issue(verified.params.RoleArn, session.duration)));
  };

  const assumeRoleWithOidc = (params: Record<string, string>): EmulatorResponse => {
    for (const name of ['OIDCProviderArn', 'OIDCToken']) {
      if (!params[name])
        return stsError(
          'MissingParameter',
          `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
        );
    }
    const session = sessionParams(params);
    if ('status' in session) return session;
    const trust = authority.options.roles[params.RoleArn];
    if (!trust) return stsError('EntityNotExist.Role', 'The role not exists.');
    if (params.OIDCProviderArn !== authority.oidcProviderArn)
      return stsError('InvalidParameter.OIDCProviderArn', 'The OIDC provider does not exist.', 404);
    const token = authority.verifyServiceAccountToken(params.OIDCToken.trim());
    if (!token.ok)
      return stsError('AuthenticationFail.OIDCToken.Invalid', `The OIDC token is invalid: ${token.reason}.`);
    if (
      !trust.oidcProviders?.includes(params.OIDCProviderArn) ||
      (trust.subjects && !trust.subjects.includes(token.subject))
    ) {
      return stsError('AuthenticationFail.NoPermission', 'The role does not trust this OIDC provider or subject.');
    }
    const credential = authority.issue(params.RoleArn, session.duration);
    return jsonResponse(
      200,
      credentialsBody(credential, {
        OIDCTokenInfo: { Subject: token.subject, Issuer: authority.oidcIssuer, ClientIds: RRSA_AUDIENCE },
      }),
    );
  };

  const metadata = (req: EmulatorRequest, operation: string): EmulatorResponse => {
    const text = (status: number, body: string): EmulatorResponse => ({
      status,
      headers: { 'content-type': 'text/plain' },
      body,
    });
    if (operation === 'MetadataToken') {
      const ttl = Number(req.headers['x-aliyun-ecs-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600)
        return text(400, 'X-aliyun-ecs-metadata-token-ttl-seconds must be 1..21600');
      const token = randomBytes(24).toString('base64url');
      imdsTokens.set(token, now() + ttl * 1000);
      return text(200, token);
    }
    // IMDSv1 is off on this instance: every read needs a live session token.
    const token = req.headers['x-aliyun-ecs-metadata-token'];
    const expiry = typeof token === 'string' ? imdsTokens.get(token) : undefined;
    if (expiry === undefined || now() >= expiry) return text(401, 'Unauthorized');
    const role = authority.options.instanceRole;
    if (!role) return text(404, 'Not Found');
    if (operation === 'MetadataRoleName') return text(200, role.slice(role.lastIndexOf('/') + 1));
    const wanted = decodeURIComponent(req.path.slice('/latest/meta-data/ram/security-credentials/'.length));
    if (wanted !== role.slice(role.lastIndexOf('/') + 1)) return text(404, 'Not Found');
    const credential = authority.issue(role, 6 * 3600);
    return jsonResponse(200, {
      AccessKeyId: credential.accessKeyId,
      AccessKeySecret: credential.accessKeySecret,
      SecurityToken: credential.securityToken,
      Expiration: isoSeconds(credential.expiresAt),
      LastUpdated: isoSeconds(now()),
      Code: 'Success',
    });
  };

  return {
    name: 'alibaba-sts',
    operationOf(req) {
      if (req.method === 'PUT' && req.path === '/latest/api/token') return 'MetadataToken';
      if (req.method === 'GET' && req.path === '/latest/meta-data/ram/security-credentials/') return 'MetadataRoleName';
      if (req.method === 'GET' && req.path.startsWith('/latest/meta-data/ram/security-credentials/'))
        return 'MetadataCredentials';
      if (req.path !== '/' || (req.method !== 'GET' && req.method !== 'POST')) return null;
      const action = rpcParamsOf(req).Action;
      return action === 'AssumeRole' || action === 'AssumeRoleWithOIDC' ? action : null;
    },
    handle(req, operation) {
      if (operation.startsWith('Metadata')) return metadata(req, operation);
      const params = rpcParamsOf(req);
      if (params.Version !== STS_API_VERSION)
        return stsError('InvalidVersion', 'Specified parameter Version is not valid.');
      return operation === 'AssumeRole' ? assumeRole(req) : assumeRoleWithOidc(params);
    },
    throttled: () => stsError('Throttling.User', 'Request was denied due to user flow control.'),
    serverError: () => stsError('InternalError', 'The request processing has failed due to some unknown error.', 500),
    notFound: () => stsError('InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  };
}
