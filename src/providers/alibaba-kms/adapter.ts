import type { KmsSourceConfig } from './config.js';
import { eachOf, nullIfNotFound, POP_GATEWAY_CODES, type ErrorCodeTable } from '../../upstream/errors.js';
import type { UpstreamCaller } from '../../upstream/call.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import { AlibabaRpc } from '../alibaba/client.js';
import { asArray, asObject, toDate, toStr } from '../../sources/normalize.js';
import { recordFieldsSet } from '../../pagination/filter.js';
import { soleNamespace, type PushedQuery, type SecretFilter, type Tag } from '../../domain/records.js';
import type { Pushdown, SecretSource } from '../../sources/types.js';
import type { KmsSecret, KmsSecretDetail, KmsSecretValue } from './records.js';
import { pageNumberPaging } from '../../pagination/paging/page-number.js';

export const KMS_ERROR_CODES: ErrorCodeTable = {
  ...POP_GATEWAY_CODES,
  InvalidParameter: 'UPSTREAM_BAD_REQUEST',
  InternalFailure: 'UPSTREAM_UNAVAILABLE',
  'Forbidden.NoPermission': 'UPSTREAM_FORBIDDEN',
  'Forbidden.ResourceNotFound': 'UPSTREAM_NOT_FOUND',
  'InvalidAccessKeyId.NotFound': 'UPSTREAM_AUTH_FAILED',
};

/** KMS accepts at most 10 values per filter key. */
const MAX_FILTER_VALUES = 10;

/**
 * KMS Filters: values of one key are alternatives, keys must all hold. TagKey and TagValue are
 * matched independently of each other, so only a single key-only tag filter is exact.
 */
function pushdownOf(filter: SecretFilter): Pushdown {
  const filters = filtersFor(filter);
  const exact = recordFieldsSet(filter).every(
    (field) =>
      (field === 'names' && filter.names!.length <= MAX_FILTER_VALUES) ||
      (field === 'types' && filter.types!.length <= MAX_FILTER_VALUES) ||
      (field === 'tags' && filter.tags!.length === 1 && filter.tags![0].value == null),
  );
  return { query: { Filters: filters }, complete: exact };
}

function filtersFor(filter: SecretFilter): string | undefined {
  const pairs: Array<{ Key: string; Values: string[] }> = [];
  if (filter.names?.length && filter.names.length <= MAX_FILTER_VALUES)
    pairs.push({ Key: 'SecretName', Values: filter.names });
  if (filter.types?.length && filter.types.length <= MAX_FILTER_VALUES)
    pairs.push({ Key: 'SecretType', Values: filter.types });
  const tagKeys = [...new Set((filter.tags ?? []).map((t) => t.key))];
  if (tagKeys.length && tagKeys.length <= MAX_FILTER_VALUES) pairs.push({ Key: 'TagKey', Values: tagKeys });
  const tagValues = (filter.tags ?? []).map((t) => t.value);
  if (
    tagValues.length &&
    tagValues.every((v): v is string => typeof v === 'string') &&
    tagValues.length <= MAX_FILTER_VALUES
  )
    pairs.push({ Key: 'TagValue', Values: [...new Set(tagValues)] });
  return pairs.length ? JSON.stringify(pairs) : undefined;
}

function tagsOf(raw: unknown): Tag[] {
  return asArray<Record<string, unknown>>(asObject(raw).Tag).map((t) => ({
    key: String(t.TagKey),
    value: String(t.TagValue ?? ''),
  }));
}

export function createKmsSource(config: KmsSourceConfig, endpoint: string, caller: UpstreamCaller): SecretSource {
  const client = new AlibabaRpc({
    endpoint,
    apiVersion: '2016-01-20',
    credentials: config.credentials,
    timeoutMs: caller.policy.timeoutMs,
  });

  const toSecret = (raw: Record<string, unknown>): KmsSecret => {
    const name = String(raw.SecretName);
    return {
      provider: 'alibaba-kms',
      sourceId: config.id,
      namespaceId: config.region,
      key: name,
      name,
      type: toStr(raw.SecretType),
      createdAt: toDate(raw.CreateTime),
      updatedAt: toDate(raw.UpdateTime),
      plannedDeleteTime: toDate(raw.PlannedDeleteTime),
      owingService: toStr(raw.OwingService),
      tags: raw.Tags === undefined ? null : tagsOf(raw.Tags),
    };
  };

  const listSecrets = async (
    query: PushedQuery,
    pageNumber: number,
    pageSize: number,
    scope: RequestScope | undefined,
  ) => {
    const body = await caller.call(
      'ListSecrets',
      () => client.call('ListSecrets', { ...query, FetchTags: 'true', PageNumber: pageNumber, PageSize: pageSize }),
      scope,
    );
    return {
      items: asArray<Record<string, unknown>>(asObject(body.SecretList).Secret).map(toSecret),
      totalCount: Number(body.TotalCount ?? 0),
    };
  };

  return {
    id: config.id,
    provider: 'alibaba-kms',
    region: config.region,
    keyIsName: true,
    filterableFields: ['nameContains', 'names', 'types', 'tags', 'providers', 'sources', 'namespaces'],
    pushdown: pushdownOf,
    paging: pageNumberPaging({
      maxPageSize: 100,
      fetchPage: (_namespaceId, query, pageNumber, pageSize, scope) => listSecrets(query, pageNumber, pageSize, scope),
    }),
    lookup: {
      // One ListSecrets with a SecretName filter answers up to 10 names at once.
      kind: 'batch',
      maxBatchSize: MAX_FILTER_VALUES,
      async fetch(_namespaceId, keys, scope) {
        const { items } = await listSecrets(
          { Filters: JSON.stringify([{ Key: 'SecretName', Values: keys }]) },
          1,
          MAX_FILTER_VALUES,
          scope,
        );
        const byName = new Map(items.map((item) => [item.name, item]));
        return keys.map((key) => byName.get(key) ?? null);
      },
    },
    listNamespaces: async () => soleNamespace(config.id, 'alibaba-kms', 'REGION', config.region, config.region),
    reveal: (_namespaceId, records, scope) =>
      eachOf(records, async (record): Promise<KmsSecretValue | null> => {
        const body = await nullIfNotFound(
          caller.call(
            'GetSecretValue',
            () => client.call<Record<string, unknown>>('GetSecretValue', { SecretName: record.key }),
            scope,
          ),
        );
        if (!body) return null;
        return {
          provider: 'alibaba-kms',
          secretData: toStr(body.SecretData) ?? '',
          secretDataType: toStr(body.SecretDataType),
          versionId: toStr(body.VersionId),
          versionStages: asArray<unknown>(asObject(body.VersionStages).VersionStage).map(String),
          createdAt: toDate(body.CreateTime),
        };
      }),
    describe: (_namespaceId, keys, scope) =>
      eachOf(keys, async (name): Promise<KmsSecretDetail | null> => {
        const body = await nullIfNotFound(
          caller.call(
            'DescribeSecret',
            () => client.call<Record<string, unknown>>('DescribeSecret', { SecretName: name, FetchTags: 'true' }),
            scope,
          ),
        );
        return (
          body && {
            description: toStr(body.Description),
            arn: toStr(body.Arn),
            encryptionKeyId: toStr(body.EncryptionKeyId),
            automaticRotation: toStr(body.AutomaticRotation),
            rotationInterval: toStr(body.RotationInterval),
            lastRotationDate: toDate(body.LastRotationDate),
            nextRotationDate: toDate(body.NextRotationDate),
            extendedConfig: toStr(body.ExtendedConfig),
            dkmsInstanceId: toStr(body.DKMSInstanceId),
          }
        );
      }),
  };
}
