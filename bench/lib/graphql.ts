import { authHeaders } from '../auth.js';

/** The list-only fields of every secret type: what the providers' list calls carry. */
export const LIST_FIELDS = /* GraphQL */ `
  fragment ListFields on Secret {
    __typename id provider name sourceId namespaceId createdAt updatedAt
    ... on SaeSecret { type secretId relatedApps { appId appName } }
    ... on ApigSecret { secretId gatewayType referenceCount secretSource status kmsConfig { kmsInstanceId kmsKeyId } }
    ... on KmsSecret { type tags { key value } plannedDeleteTime owingService }
    ... on CsmsSecret { secretId state kmsKeyId description scheduledDeleteTime }
    ... on AwsSecret { arn description kmsKeyId rotationEnabled deletedDate owningService primaryRegion tags { key value } }
  }`;

export const PAGE_QUERY = /* GraphQL */ `
  query BenchPage($first: Int!, $after: String, $filter: SecretFilter) {
    secrets(first: $first, after: $after, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...ListFields } }
    }
  }
  ${LIST_FIELDS}`;

export const PAGE_WITH_TOTAL_QUERY = /* GraphQL */ `
  query BenchPageWithTotal($first: Int!, $after: String, $filter: SecretFilter) {
    secrets(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...ListFields } }
    }
  }
  ${LIST_FIELDS}`;

export const DATA_KEYS_QUERY = /* GraphQL */ `
  query BenchDataKeys($first: Int!, $filter: SecretFilter) {
    secrets(first: $first, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { __typename id name ... on SaeSecret { secretId dataKeys } } }
    }
  }`;

/** AWS replicas: one DescribeSecret per secret. */
export const AWS_REPLICAS_QUERY = /* GraphQL */ `
  query BenchAwsReplicas($first: Int!, $filter: SecretFilter) {
    secrets(first: $first, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { __typename id name ... on AwsSecret { arn replicas { region status } } } }
    }
  }`;

/** AWS values: BatchGetSecretValue, 20 secrets a call (needs secrets:reveal). */
export const AWS_VALUES_QUERY = /* GraphQL */ `
  query BenchAwsValues($first: Int!, $filter: SecretFilter) {
    secrets(first: $first, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { __typename id name ... on AwsSecret { arn value { versionId secretString secretBinary } } } }
    }
  }`;

/** What a federation router sends for entity references. */
export const ENTITIES_QUERY = /* GraphQL */ `
  query BenchEntities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on SaeSecret { id name secretId relatedApps { appId appName } }
      ... on KmsSecret { id name type tags { key value } }
    }
  }`;

export interface GraphQLResult {
  status: number;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | null;
  ms: number;
}

export function requestBody(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables });
}

export function requestHeaders(): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...authHeaders(),
  };
}

export async function post(url: string, body: string, timeoutMs?: number): Promise<GraphQLResult> {
  const started = performance.now();
  const signal = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const response = await fetch(url, { method: 'POST', headers: requestHeaders(), body, signal });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: GraphQLResult['body'] = null;
  try {
    parsed = JSON.parse(text) as GraphQLResult['body'];
  } catch {
    parsed = null;
  }
  return { status: response.status, text, body: parsed, ms };
}

/** Problems with a response that should have succeeded, as short strings (empty when fine). */
export function problemsOf(result: GraphQLResult): string[] {
  const problems: string[] = [];
  if (result.status !== 200) problems.push(`HTTP ${result.status}`);
  if (!result.body) problems.push(`not JSON: ${result.text.slice(0, 120)}`);
  for (const error of result.body?.errors ?? [])
    problems.push(`${String(error.extensions?.code ?? 'ERROR')}: ${error.message}`.slice(0, 200));
  return problems;
}

/** A global ID as the gateway builds it: base64url of `Type:[parts]`. */
export function globalId(typename: string, parts: string[]): string {
  return Buffer.from(`${typename}:${JSON.stringify(parts)}`).toString('base64url');
}
