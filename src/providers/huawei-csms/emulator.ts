import { randomBytes, randomUUID } from 'node:crypto';
import {
  EmulatorServer,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../../emulators/core.js';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import {
  CSMS_SECRET_NAME_PATTERN,
  compareCsmsNames,
  generateCsmsSeed,
  type CsmsSeed,
  type CsmsSeedSecret,
} from './emulator-data.js';
import { verifyHuaweiAkSk } from './emulator-signature.js';

/**
 * # Huawei Cloud CSMS emulator
 *
 * Serves the read side of CSMS (DEW secrets) plus IAM's password-token endpoint on one
 * loopback server. In a real account IAM is a separate endpoint
 * (`https://iam.<region>.myhuaweicloud.com`); clients take IAM's URL separately, so point
 * both at this server.
 *
 * Routes:
 * - `POST /v3/auth/tokens` (operation `KeystoneCreateUserTokenByPassword`): password auth,
 *   scoped to a project by name or id. 201 with the token in `X-Subject-Token`.
 * - `GET /v1/{project_id}/secrets` (`ListSecrets`): `limit` (1..200, default 50), `marker`,
 *   `event_name`.
 * - `GET /v1/{project_id}/secrets/{secret_name}` (`ShowSecret`).
 * - `GET /v1/{project_id}/secrets/{secret_name}/versions/{version_id|latest}` (`ShowSecretVersion`).
 *
 * Every CSMS route needs `X-Auth-Token` (issued here, unexpired) or an SDK-HMAC-SHA256 AK/SK
 * signature; every response carries `X-Request-Id`.
 *
 * Where the documentation is silent the emulator picks a behaviour; these are choices, not
 * facts about Huawei Cloud:
 * - `CSMS.0002` (400): invalid parameter, e.g. `limit` not an integer in 1..200.
 * - `CSMS.0003` (403): the project id in the path is not the credential's project.
 * - `CSMS.0500` (500): internal error.
 * - `APIGW.0101` (404): unknown route (APIG's "API does not exist" code).
 * - IAM 400 for an unreadable body or an unknown scope project.
 * - Pagination: secrets are ordered by name (code-unit order). By default a page starts
 *   AFTER the marker name (or, for a name that does not exist, at the first greater name).
 *   With `markerInclusive` the marker row is repeated at the top of the next page, on top of
 *   `limit` new rows, so a walk still advances at limit=1; callers must de-duplicate by name.
 *   `next_marker` is the last name on the page and is left out on the last page;
 *   `previous_marker` echoes the request's marker.
 *
 * Documented codes used as documented: `APIGW.0301` (401, bad token or signature),
 * `APIG.0308` (429, throttling), `CSMS.0005` (400, resource does not exist: unknown version),
 * `CSMS.0106` (400, secret name not found).
 */

export const CSMS_OPERATIONS = [
  'KeystoneCreateUserTokenByPassword',
  'ListSecrets',
  'ShowSecret',
  'ShowSecretVersion',
] as const;
export type CsmsOperation = (typeof CSMS_OPERATIONS)[number];

/** Error codes the emulator can answer with; `emulatorChoice` marks codes not taken from Huawei's docs. */
export const CSMS_ERRORS = {
  'APIGW.0101': {
    status: 404,
    message: 'The API does not exist or has not been published in the environment',
    emulatorChoice: true,
  },
  'APIGW.0301': {
    status: 401,
    message: 'Incorrect IAM authentication information: verify aksk signature fail',
    emulatorChoice: false,
  },
  'APIG.0308': {
    status: 429,
    message: 'The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute',
    emulatorChoice: false,
  },
  'CSMS.0002': { status: 400, message: 'Invalid request parameter', emulatorChoice: true },
  'CSMS.0003': { status: 403, message: 'Project ID mismatch', emulatorChoice: true },
  'CSMS.0005': { status: 400, message: 'The resource does not exist', emulatorChoice: false },
  'CSMS.0106': { status: 400, message: 'The secret name is not found', emulatorChoice: false },
  'CSMS.0500': { status: 500, message: 'Internal service error', emulatorChoice: true },
} as const satisfies Record<string, { status: number; message: string; emulatorChoice: boolean }>;
export type CsmsErrorCode = keyof typeof CSMS_ERRORS;

/** A forced error: a catalogued code, or any status/code/message (e.g. a 504 from the gateway). */
export type CsmsForcedError = CsmsErrorCode | { status: number; errorCode: string; errorMsg?: string };

export interface CsmsEmulatorCredentials {
  ak: string;
  sk: string;
  projectId: string;
  domainName: string;
  userName: string;
  password: string;
}

export interface CsmsEmulatorOptions {
  /** Defaults to EMULATOR_CREDENTIALS.huawei, with the seed's project id. */
  credentials?: CsmsEmulatorCredentials;
  /** The project's name, for token scopes by name. Default "cn-north-4". */
  projectName?: string;
  /** Lifetime of issued tokens. Default 86400 (24 h, like IAM). */
  tokenTtlSeconds?: number;
  /** See the module comment. Default false. */
  markerInclusive?: boolean;
  /** The docs say seconds, the examples show milliseconds. Default 'ms'. */
  timestampUnit?: 'ms' | 's';
  /** Clock for token expiry and signature dates. Default Date.now. */
  now?: () => number;
}

export interface CsmsEmulator extends ProviderEmulator {
  readonly seed: CsmsSeed;
  /** Makes the next `times` calls (default 1) of `operation` answer with `error`, before auth. */
  failNext(operation: CsmsOperation, error: CsmsForcedError, times?: number): void;
  clearForcedErrors(): void;
  /**
   * Call after changing the seed's secrets (created, edited or deleted "at the cloud"), so that the
   * next calls answer with the change: what an inventory and its change feed are tested against.
   */
  dataChanged(): void;
  /** Changes pagination, time or token behaviour on a running emulator. */
  configure(changes: Pick<CsmsEmulatorOptions, 'markerInclusive' | 'timestampUnit' | 'tokenTtlSeconds'>): void;
  /** Forgets every issued token, as a password change would: callers get 401 until they log in again. */
  revokeTokens(): void;
  /** Tokens issued so far (including expired and revoked ones). */
  tokensIssued(): number;
  /**
   * A temporary AK/SK with its security token, as IAM hands them out (agency, federated user): signed
   * requests with it must carry the token in a signed `X-Security-Token` header, until it expires.
   */
  issueTemporaryKey(lifetimeSeconds: number): { ak: string; sk: string; securityToken: string; expiresAt: number };
}

interface IssuedToken {
  projectId: string;
  expiresAt: number;
}

const DEFAULT_PROJECT_NAME = 'cn-north-4';
const DOMAIN_ID = '7d3f9a1c2b4e4f6a8c0d1e2f3a4b5c6d';
const USER_ID = '4e5f6a7b8c9d4e0f9a1b2c3d4e5f6a7b';
const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 200;

const ROUTES: Array<{ method: string; pattern: RegExp; operation: CsmsOperation }> = [
  { method: 'POST', pattern: /^\/v3\/auth\/tokens\/?$/, operation: 'KeystoneCreateUserTokenByPassword' },
  { method: 'GET', pattern: /^\/v1\/([^/]+)\/secrets\/?$/, operation: 'ListSecrets' },
  { method: 'GET', pattern: /^\/v1\/([^/]+)\/secrets\/([^/]+)\/?$/, operation: 'ShowSecret' },
  { method: 'GET', pattern: /^\/v1\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)\/?$/, operation: 'ShowSecretVersion' },
];

export function createCsmsEmulator(data: CsmsSeed, options: CsmsEmulatorOptions = {}): CsmsEmulator {
  const credentials: CsmsEmulatorCredentials = options.credentials ?? {
    ...EMULATOR_CREDENTIALS.huawei,
    projectId: data.projectId,
  };
  const projectName = options.projectName ?? DEFAULT_PROJECT_NAME;
  const now = options.now ?? Date.now;
  const settings = {
    tokenTtlSeconds: options.tokenTtlSeconds ?? 86_400,
    markerInclusive: options.markerInclusive ?? false,
    timestampUnit: options.timestampUnit ?? 'ms',
  };
  const accessKeys = new Map([[credentials.ak, credentials.sk]]);
  const temporaryKeys = new Map<string, { securityToken: string; expiresAt: number }>();
  const secrets: CsmsSeedSecret[] = [];
  const byName = new Map<string, CsmsSeedSecret>();
  const dataChanged = () => {
    secrets.splice(0, secrets.length, ...[...data.secrets].sort((a, b) => compareCsmsNames(a.name, b.name)));
    byName.clear();
    for (const secret of secrets) byName.set(secret.name, secret);
  };
  dataChanged();
  const tokens = new Map<string, IssuedToken>();
  const forced = new Map<CsmsOperation, CsmsForcedError[]>();
  let issued = 0;

  const time = (ms: number | null): number | null =>
    ms === null ? null : settings.timestampUnit === 's' ? Math.floor(ms / 1000) : ms;

  function route(req: EmulatorRequest): { operation: CsmsOperation; params: string[] } | null {
    for (const r of ROUTES) {
      const match = req.method === r.method ? r.pattern.exec(req.path) : null;
      if (match) return { operation: r.operation, params: match.slice(1) };
    }
    return null;
  }

  // --- IAM -------------------------------------------------------------------------------

  function createToken(req: EmulatorRequest): EmulatorResponse {
    const body = parseJson(req.body);
    const auth = field(body, 'auth');
    const identity = field(auth, 'identity');
    const methods = field(identity, 'methods');
    const user = field(field(identity, 'password'), 'user');
    if (!Array.isArray(methods) || !methods.includes('password') || user === undefined) {
      return iamError(400, 'Bad Request', 'The request body is invalid: password authentication is expected.');
    }
    const domainName = field(field(user, 'domain'), 'name');
    const valid =
      domainName === credentials.domainName &&
      field(user, 'name') === credentials.userName &&
      field(user, 'password') === credentials.password;
    if (!valid) return iamError(401, 'Unauthorized', 'The username or password is wrong.');

    const scope = field(field(auth, 'scope'), 'project');
    const scopeMatches = field(scope, 'id') === credentials.projectId || field(scope, 'name') === projectName;
    if (!scopeMatches) return iamError(400, 'Bad Request', 'The scope project is not found in this domain.');

    const issuedAt = now();
    const expiresAt = issuedAt + settings.tokenTtlSeconds * 1000;
    // Opaque, shaped like IAM's PKI tokens ("MII…"); the value itself means nothing.
    const token = `MIIEmulator${randomBytes(48).toString('base64url')}`;
    tokens.set(token, { projectId: credentials.projectId, expiresAt });
    issued++;

    const domain = { id: DOMAIN_ID, name: credentials.domainName };
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          expires_at: iamTime(expiresAt),
          issued_at: iamTime(issuedAt),
          methods: ['password'],
          project: { id: credentials.projectId, name: projectName, domain },
          user: { id: USER_ID, name: credentials.userName, domain, password_expires_at: '' },
          roles: [{ id: '0', name: 'op_service' }],
          catalog: [],
        },
      },
    };
  }

  // --- CSMS auth ---------------------------------------------------------------------------

  /** Returns the project the caller's credential is bound to, or the error to send. */
  function authenticate(req: EmulatorRequest): { projectId: string } | EmulatorResponse {
    const token = single(req.headers['x-auth-token']);
    if (token !== undefined) {
      const entry = tokens.get(token);
      if (!entry) return apigError('APIGW.0301', 'Incorrect IAM authentication information: the token is invalid');
      if (entry.expiresAt <= now())
        return apigError('APIGW.0301', 'Incorrect IAM authentication information: the token has expired');
      return { projectId: entry.projectId };
    }
    if (single(req.headers.authorization) === undefined) {
      return apigError(
        'APIGW.0301',
        'Incorrect IAM authentication information: neither X-Auth-Token nor Authorization was sent',
      );
    }
    const result = verifyHuaweiAkSk(req, accessKeys, { now: now() });
    if (!result.ok) return apigError(result.code, result.message);
    const temporary = temporaryKeys.get(result.ak);
    if (temporary) {
      const signed = /SignedHeaders=([^,\s]+)/.exec(single(req.headers.authorization) ?? '')?.[1].split(';') ?? [];
      const sent = single(req.headers['x-security-token']);
      if (sent === undefined || !signed.includes('x-security-token'))
        return apigError(
          'APIGW.0301',
          'Incorrect IAM authentication information: a temporary AK needs its signed X-Security-Token',
        );
      if (sent !== temporary.securityToken)
        return apigError(
          'APIGW.0301',
          'Incorrect IAM authentication information: the security token does not belong to this AK',
        );
      if (temporary.expiresAt <= now())
        return apigError('APIGW.0301', 'Incorrect IAM authentication information: the security token has expired');
    }
    // The emulated account has one project; X-Project-Id, when sent, must name it too.
    const headerProject = single(req.headers['x-project-id']);
    if (headerProject !== undefined && headerProject !== credentials.projectId) {
      return apigError('CSMS.0003', 'Project ID mismatch: X-Project-Id is not a project of this account');
    }
    return { projectId: credentials.projectId };
  }

  // --- CSMS operations ---------------------------------------------------------------------

  function listSecrets(req: EmulatorRequest): EmulatorResponse {
    const rawLimit = req.query.get('limit');
    const limit = rawLimit === null ? LIST_LIMIT_DEFAULT : /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= LIST_LIMIT_MAX)) {
      return apigError('CSMS.0002', `Invalid request parameter: limit must be an integer from 1 to ${LIST_LIMIT_MAX}`);
    }
    const marker = req.query.get('marker') ?? '';
    const eventName = req.query.get('event_name') ?? '';
    const candidates = eventName ? secrets.filter((s) => s.eventSubscriptions.includes(eventName)) : secrets;

    let start = marker ? firstIndexAfter(candidates, marker) : 0;
    const markerRow = marker && settings.markerInclusive && start > 0 && candidates[start - 1].name === marker;
    if (markerRow) start--;
    // The echoed marker row does not count against limit (see the module comment).
    const end = Math.min(candidates.length, start + limit + (markerRow ? 1 : 0));
    const page = candidates.slice(start, end);
    const more = end < candidates.length;

    const pageInfo: Record<string, unknown> = { current_count: page.length };
    if (more && page.length > 0) pageInfo.next_marker = page[page.length - 1].name;
    if (marker) pageInfo.previous_marker = marker;
    return { status: 200, body: { secrets: page.map(listItem), page_info: pageInfo } };
  }

  function showSecret(name: string): EmulatorResponse {
    const secret = byName.get(name);
    if (!secret) return apigError('CSMS.0106', `The secret name is not found: ${name}`);
    return { status: 200, body: { secret: fullSecret(secret) } };
  }

  function showSecretVersion(name: string, versionId: string): EmulatorResponse {
    const secret = byName.get(name);
    if (!secret) return apigError('CSMS.0106', `The secret name is not found: ${name}`);
    const version =
      versionId === 'latest'
        ? secret.versions[secret.versions.length - 1]
        : secret.versions.find((v) => v.id === versionId);
    if (!version) return apigError('CSMS.0005', `The resource does not exist: version ${versionId} of secret ${name}`);
    return {
      status: 200,
      body: {
        version: {
          version_metadata: {
            id: version.id,
            create_time: time(version.createTimeMs),
            kms_key_id: version.kmsKeyId,
            secret_name: secret.name,
            version_stages: version.versionStages,
          },
          secret_string: version.secretString,
        },
      },
    };
  }

  function listItem(s: CsmsSeedSecret): Record<string, unknown> {
    return {
      id: s.id,
      name: s.name,
      state: s.state,
      kms_key_id: s.kmsKeyId,
      description: s.description,
      create_time: time(s.createTimeMs),
      update_time: time(s.updateTimeMs),
      scheduled_delete_time: time(s.scheduledDeleteTimeMs),
    };
  }

  function fullSecret(s: CsmsSeedSecret): Record<string, unknown> {
    return {
      ...listItem(s),
      secret_type: s.secretType,
      auto_rotation: s.autoRotation,
      rotation_period: s.rotationPeriod,
      rotation_config: s.rotationConfig,
      rotation_time: time(s.rotationTimeMs),
      next_rotation_time: time(s.nextRotationTimeMs),
      event_subscriptions: s.eventSubscriptions,
      enterprise_project_id: s.enterpriseProjectId,
      rotation_func_urn: s.rotationFuncUrn,
    };
  }

  // --- dispatch ------------------------------------------------------------------------------

  function dispatch(req: EmulatorRequest, operation: CsmsOperation, params: string[]): EmulatorResponse {
    const queue = forced.get(operation);
    const forcedError = queue?.shift();
    if (forcedError !== undefined) return forcedResponse(forcedError);

    if (operation === 'KeystoneCreateUserTokenByPassword') return createToken(req);

    const auth = authenticate(req);
    if ('status' in auth) return auth;
    const [projectId, rawName, rawVersion] = params.map((p) => safeDecode(p));
    if (projectId !== auth.projectId) {
      return apigError(
        'CSMS.0003',
        'Project ID mismatch: the project in the path is not the project of the credential',
      );
    }
    if (operation === 'ListSecrets') return listSecrets(req);

    if (rawName === null || !CSMS_SECRET_NAME_PATTERN.test(rawName)) {
      return apigError('CSMS.0002', 'Invalid request parameter: secret_name must match ^[a-zA-Z0-9_-]{1,64}$');
    }
    if (operation === 'ShowSecret') return showSecret(rawName);
    if (rawVersion === null || !/^[a-zA-Z0-9_-]{1,64}$/.test(rawVersion)) {
      return apigError('CSMS.0002', 'Invalid request parameter: version_id');
    }
    return showSecretVersion(rawName, rawVersion);
  }

  return {
    name: 'huawei-csms',
    seed: data,
    operationOf: (req) => route(req)?.operation ?? null,
    handle(req) {
      const matched = route(req);
      return withRequestId(matched ? dispatch(req, matched.operation, matched.params) : apigError('APIGW.0101'));
    },
    throttled: () => withRequestId(apigError('APIG.0308')),
    serverError: () => withRequestId(apigError('CSMS.0500')),
    notFound: () => withRequestId(apigError('APIGW.0101')),
    failNext(operation, error, times = 1) {
      const queue = forced.get(operation) ?? [];
      for (let i = 0; i < times; i++) queue.push(error);
      forced.set(operation, queue);
    },
    clearForcedErrors: () => forced.clear(),
    dataChanged,
    configure(changes) {
      for (const [key, value] of Object.entries(changes)) {
        if (value !== undefined) Object.assign(settings, { [key]: value });
      }
    },
    revokeTokens: () => tokens.clear(),
    tokensIssued: () => issued,
    issueTemporaryKey: (lifetimeSeconds) => {
      const key = {
        ak: `HWTEMP${randomBytes(10).toString('hex').toUpperCase()}`,
        sk: randomBytes(24).toString('base64url'),
        securityToken: `gQpjbi1ub3J0aC00${randomBytes(60).toString('base64url')}`,
        expiresAt: now() + lifetimeSeconds * 1000,
      };
      accessKeys.set(key.ak, key.sk);
      temporaryKeys.set(key.ak, { securityToken: key.securityToken, expiresAt: key.expiresAt });
      return key;
    },
  };
}

/** Convenience for tests and the demo: seed, emulator and a started loopback server. */
export async function startCsmsEmulator(
  options: CsmsEmulatorOptions & { scale?: number; seed?: number; port?: number; faultSeed?: number } = {},
): Promise<{ emulator: CsmsEmulator; server: EmulatorServer; url: string }> {
  const data = generateCsmsSeed({
    scale: options.scale,
    seed: options.seed,
    projectId: options.credentials?.projectId,
  });
  const emulator = createCsmsEmulator(data, options);
  const server = new EmulatorServer(emulator, { faultSeed: options.faultSeed });
  const url = await server.start(options.port ?? 0);
  return { emulator, server, url };
}

// --- helpers ---------------------------------------------------------------------------------

/** CSMS / APIG error body: {error_code, error_msg, request_id}. The request id is filled in later. */
function apigError(code: CsmsErrorCode, message?: string): EmulatorResponse {
  const entry = CSMS_ERRORS[code];
  return { status: entry.status, body: { error_code: code, error_msg: message ?? entry.message } };
}

/** IAM answers in its own shape, not APIG's. */
function iamError(status: number, title: string, message: string): EmulatorResponse {
  return { status, body: { error: { code: status, message, title } } };
}

function forcedResponse(error: CsmsForcedError): EmulatorResponse {
  if (typeof error === 'string') return apigError(error);
  return {
    status: error.status,
    body: { error_code: error.errorCode, error_msg: error.errorMsg ?? `Forced error ${error.errorCode}` },
  };
}

/** Adds X-Request-Id to every answer, and request_id to APIG-shaped error bodies. */
function withRequestId(response: EmulatorResponse): EmulatorResponse {
  const id = randomUUID().replace(/-/g, '');
  const body = response.body;
  const isApigError = typeof body === 'object' && body !== null && 'error_code' in body;
  return {
    ...response,
    headers: { ...response.headers, 'X-Request-Id': id },
    body: isApigError ? { ...body, request_id: id } : body,
  };
}

/** Index of the first secret whose name sorts after `marker` (binary search; secrets are sorted). */
function firstIndexAfter(secrets: CsmsSeedSecret[], marker: string): number {
  let lo = 0;
  let hi = secrets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareCsmsNames(secrets[mid].name, marker) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** IAM's time format: ISO 8601 with microseconds, e.g. 2020-01-04T09:05:22.701000Z. */
function iamTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
