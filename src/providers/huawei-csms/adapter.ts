import type { CsmsSourceConfig } from './config.js';
import { eachOf, nullIfNotFound, type ErrorCodeTable, type RawProviderError } from '../../upstream/errors.js';
import { hasRecordFilter } from '../../pagination/filter.js';
import type { UpstreamCaller } from '../../upstream/call.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import { registerSecret } from '../../upstream/redact.js';
import { retryAfterHeaderMs } from '../../upstream/retry-after.js';
import {
  CSMS_PATH_SEGMENT_PATTERN,
  CsmsCallError,
  CsmsClient,
  type CsmsAuth,
  type CsmsSecret as RawSecret,
  type CsmsSecretSummary,
} from './client.js';
import { toBool, toDate, toStr } from '../../sources/normalize.js';
import { soleNamespace } from '../../domain/records.js';
import type { SecretSource } from '../../sources/types.js';
import type { CsmsSecret, CsmsSecretDetail, CsmsSecretValue } from './records.js';
import { markerPaging } from '../../pagination/paging/marker.js';

export const CSMS_ERROR_CODES: ErrorCodeTable = {
  'CSMS.0005': 'UPSTREAM_NOT_FOUND',
  'CSMS.0106': 'UPSTREAM_NOT_FOUND',
  'APIGW.0301': 'UPSTREAM_AUTH_FAILED',
  'APIG.0301': 'UPSTREAM_AUTH_FAILED',
  'APIGW.0308': 'UPSTREAM_THROTTLED',
  'APIG.0308': 'UPSTREAM_THROTTLED',
};

function authOf(config: CsmsSourceConfig, iamEndpoint: string): CsmsAuth {
  const c = config.credentials;
  if ('ak' in c) return { kind: 'aksk', ak: c.ak, sk: c.sk, securityToken: c.securityToken };
  if ('token' in c) return { kind: 'token', token: c.token };
  return {
    kind: 'password',
    iamEndpoint,
    domainName: c.domainName,
    userName: c.userName,
    password: c.password,
    projectName: c.projectName ?? config.region,
  };
}

export function createCsmsSource(
  config: CsmsSourceConfig,
  endpoint: string,
  iamEndpoint: string,
  caller: UpstreamCaller,
): SecretSource {
  for (const value of Object.values(config.credentials)) registerSecret(value);
  const client = new CsmsClient({
    endpoint,
    projectId: config.projectId,
    timeoutMs: caller.policy.timeoutMs,
    auth: authOf(config, iamEndpoint),
  });
  caller.renewOnAuthFailure((cause) => client.forgetToken(cause));

  const toSecret = (raw: CsmsSecretSummary | RawSecret): CsmsSecret => {
    const full = raw as RawSecret;
    // ShowSecret carries the extras; a list that happens to carry them primes the detail too.
    const hasDetail = full.secret_type !== undefined || full.auto_rotation !== undefined;
    return {
      provider: 'huawei-csms',
      sourceId: config.id,
      namespaceId: config.projectId,
      key: raw.name,
      secretId: raw.id,
      name: raw.name,
      type: toStr(full.secret_type),
      createdAt: toDate(raw.create_time),
      updatedAt: toDate(raw.update_time),
      state: toStr(raw.state),
      kmsKeyId: toStr(raw.kms_key_id),
      description: toStr(raw.description),
      scheduledDeleteTime: toDate(raw.scheduled_delete_time),
      detail: hasDetail ? detailOf(full) : undefined,
    };
  };

  const detailOf = (raw: RawSecret): CsmsSecretDetail => ({
    secretType: toStr(raw.secret_type),
    autoRotation: toBool(raw.auto_rotation),
    rotationPeriod: toStr(raw.rotation_period),
    rotationConfig: toStr(raw.rotation_config),
    rotationTime: toDate(raw.rotation_time),
    nextRotationTime: toDate(raw.next_rotation_time),
    eventSubscriptions: Array.isArray(raw.event_subscriptions) ? raw.event_subscriptions.map(String) : [],
    enterpriseProjectId: toStr(raw.enterprise_project_id),
    rotationFuncUrn: toStr(raw.rotation_func_urn),
  });

  /** A name CSMS could never hold has no record: answer null without a call. */
  const show = async (name: string, scope: RequestScope | undefined) =>
    CSMS_PATH_SEGMENT_PATTERN.test(name)
      ? nullIfNotFound(caller.call('ShowSecret', () => client.showSecret(name), scope))
      : null;

  return {
    id: config.id,
    provider: 'huawei-csms',
    region: config.region,
    keyIsName: true,
    filterableFields: ['nameContains', 'names', 'states', 'providers', 'sources', 'namespaces'],
    pushdown: (filter) => ({ query: {}, complete: !hasRecordFilter(filter) }),
    paging: markerPaging({
      // CSMS documents no maximum; 200 is what the emulator enforces and a safe size for the real API.
      maxLimit: 200,
      markerOf: (item) => item.name,
      async fetchPage(_namespaceId, _query, marker, limit, scope) {
        const body = await caller.call(
          'ListSecrets',
          () => client.listSecrets({ limit, marker: marker ?? undefined }),
          scope,
        );
        return { items: (body.secrets ?? []).map(toSecret), nextMarker: toStr(body.page_info?.next_marker) };
      },
    }),
    lookup: {
      kind: 'batch',
      maxBatchSize: 1,
      fetch: (_namespaceId, keys, scope) =>
        eachOf(keys, async (name) => {
          const body = await show(name, scope);
          return body && toSecret(body.secret);
        }),
    },
    listNamespaces: async () => soleNamespace(config.id, 'huawei-csms', 'PROJECT', config.projectId, config.region),
    reveal: (_namespaceId, records, scope) =>
      eachOf(records, async (record): Promise<CsmsSecretValue | null> => {
        if (!CSMS_PATH_SEGMENT_PATTERN.test(record.key)) return null;
        const body = await nullIfNotFound(
          caller.call('ShowSecretVersion', () => client.showSecretVersion(record.key, 'latest'), scope),
        );
        if (!body) return null;
        const meta = body.version.version_metadata;
        return {
          provider: 'huawei-csms',
          secretString: toStr(body.version.secret_string),
          secretBinary: toStr(body.version.secret_binary),
          versionId: toStr(meta.id),
          versionStages: Array.isArray(meta.version_stages) ? meta.version_stages.map(String) : [],
          createdAt: toDate(meta.create_time),
        };
      }),
    describe: (_namespaceId, keys, scope) =>
      eachOf(keys, async (name) => {
        const body = await show(name, scope);
        return body && detailOf(body.secret);
      }),
  };
}

/** The CSMS client names its failures below HTTP itself, and keeps the answer's Retry-After. */
export function readCsmsError(error: unknown): Partial<RawProviderError> | null {
  if (!(error instanceof CsmsCallError)) return null;
  if (error.kind === 'http') return { retryAfterMs: retryAfterHeaderMs(error.retryAfter) };
  if (error.kind === 'timeout') return { transport: 'timeout' };
  if (error.kind === 'malformed-response') return { transport: 'bad-body' };
  // A refused connection is already read as such from its cause; anything else broke mid-call.
  if (
    error.kind === 'network' &&
    !/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(String((error.cause as { code?: unknown })?.code ?? ''))
  )
    return { transport: 'reset' };
  return null;
}
