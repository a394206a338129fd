/** Ready example queries for GraphiQL's tabs; each one runs against the embedded emulators. */
export const EXAMPLE_TABS = [
  {
    query: `# Three secrets from each cloud, side by side.
query EachProvider {
  sae: secrets(first: 3, filter: { providers: [ALIBABA_SAE] }) { nodes { ...Row ... on SaeSecret { relatedApps { appName } } } }
  apig: secrets(first: 3, filter: { providers: [ALIBABA_APIG] }) { totalCount nodes { ...Row ... on ApigSecret { gatewayType status } } }
  kms: secrets(first: 3, filter: { providers: [ALIBABA_KMS] }) { totalCount nodes { ...Row ... on KmsSecret { tags { key value } } } }
  csms: secrets(first: 3, filter: { providers: [HUAWEI_CSMS] }) { nodes { ...Row ... on CsmsSecret { state } } }
  aws: secrets(first: 3, filter: { providers: [AWS_SECRETS_MANAGER] }) { nodes { ...Row ... on AwsSecret { rotationEnabled tags { key value } } } }
}

fragment Row on Secret { name provider type createdAt namespace { namespaceId } }`,
  },
  {
    query: `# Every secret of every source, 10 at a time. Copy pageInfo.endCursor into "after" for the next page.
query AllSecrets($after: String) {
  secrets(first: 10, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node { id provider name type updatedAt source { id } namespace { namespaceId } }
    }
    sourceStates { source namespace status code }
  }
}`,
  },
  {
    query: `# SAE namespaces, the apps that use their secrets, and which keys each secret holds (never the values).
query SaeNamespaces {
  namespaces(sources: ["sae-demo"]) {
    namespaceId
    name
    relatedApps { appName secrets { name } }
    secrets(first: 5) {
      nodes { name ... on SaeSecret { secretId dataKeys relatedApps { appName } } }
    }
  }
}`,
  },
  {
    query: `# KMS secrets tagged env=prod, with the DescribeSecret fields.
query ProdKmsSecrets {
  secrets(first: 5, filter: { providers: [ALIBABA_KMS], tags: [{ key: "env", value: "prod" }] }) {
    totalCount
    nodes {
      name
      ... on KmsSecret { tags { key value } description arn automaticRotation nextRotationDate }
    }
  }
}`,
  },
  {
    query: `# CSMS secrets pending deletion, and APIG secrets of AI gateways.
query StateAndGateway {
  pendingDeletion: secrets(first: 10, filter: { providers: [HUAWEI_CSMS], states: ["PENDING_DELETE"] }) {
    nodes { name ... on CsmsSecret { state scheduledDeleteTime kmsKeyId } }
  }
  aiGateways: secrets(first: 10, filter: { gatewayType: AI }) {
    totalCount
    nodes { name ... on ApigSecret { gatewayType status referenceCount secretSource } }
  }
}`,
  },
  {
    query: `# Search every cloud at once, most recently changed first, from the synced inventory (0 cloud calls while fresh).
query SearchNewestFirst($after: String) {
  secrets(first: 20, after: $after, filter: { search: "db" }, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
    totalCount
    asOf
    pageInfo { hasNextPage endCursor }
    nodes { name provider updatedAt source { id } }
  }
  inventory { sources { source { id } state syncedAt secretCount listCalls } }
}`,
  },
  {
    query: `# Counts for a dashboard: how many secrets each cloud, source and state holds.
query Dashboard {
  all: secretCounts {
    total
    byProvider { provider count }
    bySource { source { id } count }
    byState { state count }
  }
  notChangedSinceSeptember: secretCounts(filter: { updatedBefore: "2026-09-01T00:00:00Z" }) { total }
}`,
  },
  {
    query: `# The change feed: secrets the inventory's syncs found created, updated or deleted, oldest first.
# To follow it, pass pageInfo.endCursor as "after" next time; headCursor starts from now.
# Each change as it is found: subscription { secretChanged { kind ref { name } } }, from an SSE
# client (Accept: text/event-stream; README "The change feed"); this page runs queries only.
query RecentChanges($after: String) {
  secretChanges(first: 20, after: $after) {
    headCursor
    pageInfo { hasNextPage endCursor }
    nodes {
      kind
      at
      changedFields
      ref { provider sourceId namespaceId name }
      secret { id updatedAt }
    }
  }
}`,
  },
];
