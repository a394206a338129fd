import type { ApigSourceConfig } from './config.js';
import { eachOf, nullIfNotFound, POP_GATEWAY_CODES, type ErrorCodeTable } from '../../upstream/errors.js';
import { recordFieldsSet } from '../../pagination/filter.js';
import type { UpstreamCaller } from '../../upstream/call.js';
import { AlibabaRoa } from '../alibaba/client.js';
import { asArray, asObject, toDate, toInt, toStr } from '../../sources/normalize.js';
import { soleNamespace } from '../../domain/records.js';
import type { SecretSource } from '../../sources/types.js';
import type { ApigSecret, ApigSecretValue } from './records.js';
import { pageNumberPaging } from '../../pagination/paging/page-number.js';

const APIG_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const APIG_ERROR_CODES: ErrorCodeTable = {
  ...POP_GATEWAY_CODES,
  'NotFound.Secret': 'UPSTREAM_NOT_FOUND',
  NotFound: 'UPSTREAM_NOT_FOUND',
};

export function createApigSource(config: ApigSourceConfig, endpoint: string, caller: UpstreamCaller): SecretSource {
  const client = new AlibabaRoa({
    endpoint,
    apiVersion: '2024-03-27',
    credentials: config.credentials,
    timeoutMs: caller.policy.timeoutMs,
  });

  const toSecret = (raw: Record<string, unknown>): ApigSecret => {
    const secretId = String(raw.secretId);
    const kms = raw.kmsConfig ? asObject(raw.kmsConfig) : null;
    return {
      provider: 'alibaba-apig',
      sourceId: config.id,
      namespaceId: config.region,
      key: secretId,
      secretId,
      name: toStr(raw.name) ?? secretId,
      type: null,
      createdAt: toDate(raw.createTimestamp),
      updatedAt: toDate(raw.updateTimestamp),
      gatewayType: toStr(raw.gatewayType),
      referenceCount: toInt(raw.referenceCount),
      secretSource: toStr(raw.secretSource),
      status: toStr(raw.status),
      kmsConfig: kms && { kmsInstanceId: toStr(kms.kmsInstanceId), kmsKeyId: toStr(kms.kmsKeyId) },
    };
  };

  return {
    id: config.id,
    provider: 'alibaba-apig',
    region: config.region,
    keyIsName: false,
    filterableFields: ['nameContains', 'names', 'states', 'gatewayType', 'providers', 'sources', 'namespaces'],
    pushdown: (filter) => ({
      query: {
        nameLike: filter.nameContains ?? (filter.names?.length === 1 ? filter.names[0] : undefined),
        gatewayType: filter.gatewayType ?? undefined,
      },
      // nameLike is documented only as "fuzzy": names are always re-checked here.
      complete: recordFieldsSet(filter).every((field) => field === 'gatewayType'),
    }),
    paging: pageNumberPaging({
      maxPageSize: 100,
      async fetchPage(_namespaceId, query, pageNumber, pageSize, scope) {
        const body = await caller.call(
          'ListSecrets',
          () => client.get('/v1/secrets', { ...query, pageNumber, pageSize }),
          scope,
        );
        const data = asObject(body.data);
        return {
          items: asArray<Record<string, unknown>>(data.items).map(toSecret),
          totalCount: toInt(data.totalSize) ?? 0,
        };
      },
    }),
    lookup: {
      kind: 'batch',
      maxBatchSize: 1,
      fetch: (_namespaceId, keys, scope) =>
        eachOf(keys, async (secretId) => {
          const body = await nullIfNotFound(
            caller.call('GetSecret', () => client.get(`/v1/secrets/${encodeURIComponent(secretId)}`), scope),
          );
          return body && toSecret(asObject(body.data));
        }),
    },
    reveal: (_namespaceId, records, scope) =>
      eachOf(records, async (record): Promise<ApigSecretValue | null> => {
        // Documented names are [A-Za-z0-9_]{1,64}: anything else has no value to fetch.
        if (!APIG_NAME.test(record.name)) return null;
        const body = await nullIfNotFound(
          caller.call(
            'GetSecretValue',
            () => client.get(`/v1/secrets/name/${encodeURIComponent(record.name)}/value`),
            scope,
          ),
        );
        return body && { provider: 'alibaba-apig', secretData: toStr(asObject(body.data).secretData) ?? '' };
      }),
    listNamespaces: async () => soleNamespace(config.id, 'alibaba-apig', 'REGION', config.region, config.region),
  };
}
