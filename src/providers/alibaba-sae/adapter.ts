import type { SaeSourceConfig } from './config.js';
import { eachOf, nullIfNotFound, POP_GATEWAY_CODES, type ErrorCodeTable } from '../../upstream/errors.js';
import { hasRecordFilter } from '../../pagination/filter.js';
import type { UpstreamCaller } from '../../upstream/call.js';
import { AlibabaRoa } from '../alibaba/client.js';
import { asArray, asObject, toDate, toStr } from '../../sources/normalize.js';
import type { NamespaceRecord } from '../../domain/records.js';
import type { SecretSource } from '../../sources/types.js';
import type { SaeSecret, SaeSecretDetail, SaeSecretValue } from './records.js';
import { unpagedPaging } from '../../pagination/paging/unpaged.js';

export const SAE_ERROR_CODES: ErrorCodeTable = {
  ...POP_GATEWAY_CODES,
  'InvalidParameter.NotEmpty': 'UPSTREAM_BAD_REQUEST',
  'InvalidParameter.Obviously': 'UPSTREAM_BAD_REQUEST',
  'InvalidParameter.WithMessage': 'UPSTREAM_BAD_REQUEST',
  'InvalidNamespaceId.NotFound': 'UPSTREAM_NOT_FOUND',
  'InvalidSecretId.NotFound': 'UPSTREAM_NOT_FOUND',
};

const LIST_PATH = '/pop/v1/sam/secret/secrets';
const DESCRIBE_PATH = '/pop/v1/sam/secret/secret';
const NAMESPACES_PATH = '/pop/v1/sam/namespace/describeNamespaceList';

export function createSaeSource(config: SaeSourceConfig, endpoint: string, caller: UpstreamCaller): SecretSource {
  const client = new AlibabaRoa({
    endpoint,
    apiVersion: '2019-05-06',
    credentials: config.credentials,
    timeoutMs: caller.policy.timeoutMs,
  });

  const toSecret = (raw: Record<string, unknown>, namespaceId: string): SaeSecret => {
    const secretId = String(raw.SecretId);
    return {
      provider: 'alibaba-sae',
      sourceId: config.id,
      namespaceId: toStr(raw.NamespaceId) ?? namespaceId,
      key: secretId,
      secretId,
      name: toStr(raw.SecretName) ?? secretId,
      type: toStr(raw.SecretType),
      createdAt: toDate(raw.CreateTime),
      updatedAt: toDate(raw.UpdateTime),
      relatedApps: asArray<Record<string, unknown>>(raw.RelateApps).map((app) => ({
        appId: String(app.AppId),
        appName: toStr(app.AppName) ?? String(app.AppId),
      })),
    };
  };

  const namespace = (id: string, name: string | null, description: string | null = null): NamespaceRecord => ({
    sourceId: config.id,
    provider: 'alibaba-sae',
    id,
    name: name ?? id,
    kind: 'SAE_NAMESPACE',
    region: config.region,
    description,
  });

  return {
    id: config.id,
    provider: 'alibaba-sae',
    region: config.region,
    keyIsName: false,
    hasRelatedApps: true,
    filterableFields: ['nameContains', 'names', 'types', 'providers', 'sources', 'namespaces'],
    pushdown: (filter) => ({ query: {}, complete: !hasRecordFilter(filter) }),
    paging: unpagedPaging({
      async fetchAll(namespaceId, _query, scope) {
        const body = await caller.call('ListSecrets', () => client.get(LIST_PATH, { NamespaceId: namespaceId }), scope);
        return asArray<Record<string, unknown>>(asObject(body.Data).Secrets).map((raw) => toSecret(raw, namespaceId));
      },
    }),
    lookup: { kind: 'via-list' },
    async listNamespaces(scope) {
      if (config.namespaces) return config.namespaces.map((id) => namespace(id, null));
      const body = await caller.call(
        'DescribeNamespaceList',
        () => client.get(NAMESPACES_PATH, { ContainCustom: true }),
        scope,
      );
      return asArray<Record<string, unknown>>(body.Data)
        .map((raw) => namespace(String(raw.NamespaceId), toStr(raw.NamespaceName), toStr(raw.NamespaceDescription)))
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    async describe(namespaceId, keys, scope) {
      return eachOf(keys, async (secretId): Promise<SaeSecretDetail | null> => {
        const body = await nullIfNotFound(
          caller.call(
            'DescribeSecret',
            () => client.get(DESCRIBE_PATH, { NamespaceId: namespaceId, SecretId: secretId }),
            scope,
          ),
        );
        return body && { dataKeys: Object.keys(asObject(asObject(body.Data).SecretData)).sort() };
      });
    },
    reveal: (namespaceId, records, scope) =>
      eachOf(records, async (record): Promise<SaeSecretValue | null> => {
        const body = await nullIfNotFound(
          caller.call(
            'DescribeSecret',
            () => client.get(DESCRIBE_PATH, { NamespaceId: namespaceId, SecretId: record.key }),
            scope,
          ),
        );
        if (!body) return null;
        const data = asObject(asObject(body.Data).SecretData);
        return {
          provider: 'alibaba-sae',
          data: Object.keys(data)
            .sort()
            .map((key) => ({ key, value: String(data[key] ?? '') })),
        };
      }),
  };
}
