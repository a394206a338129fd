import { chunk } from '../../sources/chunk.js';
import { soleNamespace, type SecretFilter } from '../../domain/records.js';
import type { Pushdown, SecretSource } from '../../sources/types.js';
import type { UpstreamCaller } from '../../upstream/call.js';
import { eachOf, nullIfNotFound } from '../../upstream/errors.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import { recordFieldsSet } from '../../pagination/filter.js';
import {
  BATCH_GET_SECRET_VALUE_MAX_IDS,
  createAwsSecretsManagerClient,
  type AwsFilter,
  type AwsSecretRecord,
} from './client.js';
import type { AwsSourceConfig } from './config.js';
import type { AwsSecret, AwsSecretDetail, AwsSecretValue } from './records.js';
import { tokenPaging } from '../../pagination/paging/token.js';

/** ListSecrets takes up to 10 values per filter key. */
const MAX_FILTER_VALUES = 10;
const PAGE_SIZE = 100;

/**
 * AWS filters match prefixes (`name`, `tag-key`, `tag-value`), so they only narrow what is listed;
 * the gateway re-checks the whole filter.
 */
function pushdownOf(filter: SecretFilter): Pushdown {
  const filters: AwsFilter[] = [];
  if (filter.names?.length && filter.names.length <= MAX_FILTER_VALUES)
    filters.push({ key: 'name', values: filter.names });
  const tagKeys = [...new Set((filter.tags ?? []).map((t) => t.key))];
  if (tagKeys.length && tagKeys.length <= MAX_FILTER_VALUES) filters.push({ key: 'tag-key', values: tagKeys });
  return {
    query: { filters: filters.length ? JSON.stringify(filters) : undefined },
    complete: recordFieldsSet(filter).length === 0,
  };
}

export function createAwsSource(config: AwsSourceConfig, endpoint: string, caller: UpstreamCaller): SecretSource {
  const client = createAwsSecretsManagerClient({
    region: config.region,
    endpoint,
    credentials: config.credentials && 'accessKeyId' in config.credentials ? config.credentials : undefined,
    requestTimeoutMs: caller.policy.timeoutMs,
  });

  const toSecret = (raw: AwsSecretRecord): AwsSecret => ({
    provider: 'aws-secrets-manager',
    sourceId: config.id,
    namespaceId: config.region,
    key: raw.name,
    name: raw.name,
    type: null,
    createdAt: raw.createdDate,
    updatedAt: raw.lastChangedDate,
    arn: raw.arn,
    description: raw.description,
    kmsKeyId: raw.kmsKeyId,
    rotationEnabled: raw.rotationEnabled,
    rotationLambdaArn: raw.rotationLambdaArn,
    rotationAfterDays: raw.rotationRules?.automaticallyAfterDays ?? null,
    rotationSchedule: raw.rotationRules?.scheduleExpression ?? null,
    lastRotatedDate: raw.lastRotatedDate,
    lastAccessedDate: raw.lastAccessedDate,
    nextRotationDate: raw.nextRotationDate,
    deletedDate: raw.deletedDate,
    owningService: raw.owningService,
    primaryRegion: raw.primaryRegion,
    tags: raw.tags,
  });

  const listPage = async (
    filters: AwsFilter[] | undefined,
    nextToken: string | null,
    maxResults: number,
    scope?: RequestScope,
    sortOrder?: 'asc' | 'desc',
  ) => {
    const page = await caller.call(
      'ListSecrets',
      () =>
        client.listSecretsPage({
          filters,
          nextToken,
          maxResults,
          includePlannedDeletion: config.includePlannedDeletion,
          sortOrder,
        }),
      scope,
    );
    return { items: page.secrets.map(toSecret), nextToken: page.nextToken };
  };

  return {
    id: config.id,
    provider: 'aws-secrets-manager',
    region: config.region,
    keyIsName: true,
    filterableFields: ['nameContains', 'names', 'tags', 'providers', 'sources', 'namespaces'],
    pushdown: pushdownOf,
    // ListSecrets lists the oldest first: a sync reads the newest first, so that a secret created
    // since the last one is found on the first page of the chain (and applied then), not the last.
    syncQuery: { sortOrder: 'desc' },
    paging: tokenPaging({
      pageSize: PAGE_SIZE,
      // ListSecrets sorts by CreatedDate either way (SortOrder): a scan reads from both ends at once.
      order: {
        reversed: (query) => ({ ...query, sortOrder: query.sortOrder === 'desc' ? undefined : 'desc' }),
        descending: (query) => query.sortOrder === 'desc',
        sortValue: (record) => record.createdAt?.getTime() ?? null,
      },
      fetchPage: (_namespaceId, query, token, pageSize, scope) =>
        listPage(
          typeof query.filters === 'string' ? (JSON.parse(query.filters) as AwsFilter[]) : undefined,
          token,
          pageSize,
          scope,
          query.sortOrder === 'desc' ? 'desc' : undefined,
        ),
    }),
    lookup: {
      // One ListSecrets with a name filter answers up to 10 names (prefix matches, kept exact here).
      kind: 'batch',
      maxBatchSize: MAX_FILTER_VALUES,
      async fetch(_namespaceId, keys, scope) {
        const byName = new Map<string, AwsSecret>();
        for (let token: string | null = null; ; ) {
          const page = await listPage([{ key: 'name', values: keys }], token, PAGE_SIZE, scope);
          for (const item of page.items) byName.set(item.name, item);
          if (!page.nextToken || keys.every((key) => byName.has(key))) break;
          token = page.nextToken;
        }
        return keys.map((key) => byName.get(key) ?? null);
      },
    },
    listNamespaces: async () => soleNamespace(config.id, 'aws-secrets-manager', 'REGION', config.region, config.region),
    describe: (_namespaceId, keys, scope) =>
      eachOf(keys, async (name): Promise<AwsSecretDetail | null> => {
        const detail = await nullIfNotFound(caller.call('DescribeSecret', () => client.describeSecret(name), scope));
        return detail && { replicas: detail.replicationStatus };
      }),
    // BatchGetSecretValue: up to 20 secrets a call; the value loader hands over a request's reveals at once.
    async reveal(_namespaceId, records, scope) {
      const batches = chunk(records, BATCH_GET_SECRET_VALUE_MAX_IDS);
      // The batches are independent: all at once, within the source's concurrency limit (the caller's).
      const answers = await Promise.all(
        batches.map(async (batch): Promise<Array<AwsSecretValue | null | Error>> => {
          try {
            const { values, errors } = await caller.call(
              'BatchGetSecretValue',
              () => client.batchGetSecretValues(batch.map((r) => r.key)),
              scope,
            );
            const byName = new Map(values.map((v) => [v.name, v]));
            const failed = new Map(errors.map((e) => [e.secretId, e]));
            return batch.map((record) => {
              const value = byName.get(record.key) ?? byName.get((record as AwsSecret).arn);
              const error = failed.get(record.key) ?? failed.get((record as AwsSecret).arn);
              if (value)
                return {
                  provider: 'aws-secrets-manager',
                  secretString: value.secretString,
                  secretBinary: value.secretBinaryBase64,
                  versionId: value.versionId,
                  versionStages: value.versionStages,
                  createdAt: value.createdDate,
                };
              if (error && error.errorCode !== 'ResourceNotFoundException')
                return caller.toUpstreamError('BatchGetSecretValue', {
                  name: error.errorCode,
                  code: error.errorCode,
                  message: error.message,
                });
              return null;
            });
          } catch (error) {
            return batch.map(() => error as Error);
          }
        }),
      );
      return answers.flat();
    },
  };
}
