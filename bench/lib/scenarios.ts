import { SOURCE_IDS } from './config.js';
import {
  AWS_REPLICAS_QUERY,
  AWS_VALUES_QUERY,
  DATA_KEYS_QUERY,
  ENTITIES_QUERY,
  globalId,
  PAGE_QUERY,
  PAGE_WITH_TOTAL_QUERY,
  post,
  problemsOf,
  requestBody,
} from './graphql.js';
import {
  AWS_VALUES_PER_CALL,
  exportMinimum,
  kmsEntitiesMinimum,
  pageMinimum,
  pageWithDetailsMinimum,
  pageWithTotalMinimum,
  saeEntitiesMinimum,
  segments,
  spread,
  totalOf,
  walkMinimum,
  type Limits,
  type Minimum,
} from './plan.js';
import { PROVIDER_KEYS, type InventorySummary, type ProviderKey } from './types.js';

export interface RunOutcome {
  /** The request bodies sent, in order: a load run replays them. */
  bodies: string[];
  ms: number;
  problems: string[];
}

export interface Scenario {
  key: string;
  group: number;
  title: string;
  minimum: Minimum;
  /** Minimum with a cross-request cache warm from earlier requests, where it differs. */
  note?: string;
  /**
   * Calls a repeat of the request makes even with a warm cache (secret values: never cached, by
   * design). The "zero calls for a repeated query" target allows these. Default 0.
   */
  repeatCalls?: number;
  /** Connections of the load run. */
  connections: number;
  /** The provider whose scenario-1 page this is (scenario 6 uses it). */
  provider?: ProviderKey;
  /** Scenario 7: the providers the export reads. */
  providers?: ProviderKey[];
  run(url: string): Promise<RunOutcome>;
}

export const NAMES: Record<ProviderKey, string> = { sae: 'SAE', apig: 'APIG', kms: 'KMS', csms: 'CSMS', aws: 'AWS' };

/** One request; `check` adds scenario-specific problems (wrong counts, nulls). */
function single(body: string, check: (data: any) => string[]): Scenario['run'] {
  return async (url) => {
    const result = await post(url, body);
    const problems = problemsOf(result);
    if (result.body?.data) problems.push(...check(result.body.data));
    return { bodies: [body], ms: result.ms, problems };
  };
}

const expectEdges = (n: number) => (data: any) => {
  const got = data?.secrets?.edges?.length ?? 0;
  return got === n ? [] : [`expected ${n} edges, got ${got}`];
};

/** Scenario 7's exports: each provider alone, then every source in one walk. */
export function exportScenarios(inventory: InventorySummary, limits: Limits): Scenario[] {
  const targets: Array<{ key: string; title: string; providers: ProviderKey[] }> = [
    ...PROVIDER_KEYS.map((p) => ({ key: `7-export-${p}`, title: `cold export ${NAMES[p]}`, providers: [p] })),
    { key: '7-export-all', title: 'cold export, all sources', providers: [...PROVIDER_KEYS] },
  ];
  return targets.map(({ key, title, providers }) => {
    const segs = segments(inventory, providers);
    const total = totalOf(segs);
    const filter = providers.length === PROVIDER_KEYS.length ? {} : { sources: providers.map((p) => SOURCE_IDS[p]) };
    return {
      key,
      group: 7,
      title: `${title} ${total}, first:100`,
      minimum: exportMinimum(segs, limits),
      connections: 1,
      providers,
      run: walk(PAGE_QUERY, filter, 100, total),
    };
  });
}

/** A forward walk: follows `endCursor` until `hasNextPage` is false, checking every row comes once. */
function walk(query: string, filter: Record<string, unknown>, first: number, expectedTotal: number): Scenario['run'] {
  return async (url) => {
    const bodies: string[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    let after: string | null = null;
    let ms = 0;
    for (let page = 0; page < 10_000; page++) {
      const body = requestBody(query, { first, after, filter });
      bodies.push(body);
      const result = await post(url, body);
      ms += result.ms;
      problems.push(...problemsOf(result));
      const connection = result.body?.data?.secrets;
      if (!connection) break;
      for (const edge of connection.edges as Array<{ node: { id: string } }>) {
        if (seen.has(edge.node.id)) problems.push(`row ${edge.node.id} came twice`);
        seen.add(edge.node.id);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    if (seen.size !== expectedTotal) problems.push(`walk returned ${seen.size} rows, expected ${expectedTotal}`);
    return { bodies, ms, problems: [...new Set(problems)] };
  };
}

export function buildScenarios(
  inventory: InventorySummary,
  limits: Limits,
  options: { connections: number },
): Scenario[] {
  const out: Scenario[] = [];
  const c = options.connections;

  // 1. A page of 50 with list-only fields, per provider.
  for (const provider of PROVIDER_KEYS) {
    const segs = segments(inventory, [provider]);
    const want = Math.min(50, totalOf(segs));
    out.push({
      key: `1-${provider}`,
      group: 1,
      title: `page of ${want} ${NAMES[provider]}, list fields`,
      minimum: pageMinimum(segs, want, limits),
      connections: c,
      provider,
      run: single(
        requestBody(PAGE_QUERY, { first: want, filter: { sources: [SOURCE_IDS[provider]] } }),
        expectEdges(want),
      ),
    });
  }

  // 2. A page of 100 secrets of one source with a field that costs calls after the list: SAE
  // dataKeys and AWS replicas (one DescribeSecret per secret), AWS values (one BatchGetSecretValue
  // per 20 secrets; values are never cached, so a repeat within the TTL makes those calls again).
  const details: Array<{
    key: string;
    provider: ProviderKey;
    field: string;
    query: string;
    op: string;
    perCall: number;
    present: (value: unknown) => boolean;
    uncached?: boolean;
  }> = [
    {
      key: '2-sae-datakeys',
      provider: 'sae',
      field: 'dataKeys',
      query: DATA_KEYS_QUERY,
      op: 'SAE DescribeSecret',
      perCall: 1,
      present: Array.isArray,
    },
    {
      key: '2-aws-replicas',
      provider: 'aws',
      field: 'replicas',
      query: AWS_REPLICAS_QUERY,
      op: 'AWS DescribeSecret',
      perCall: 1,
      present: Array.isArray,
    },
    {
      key: '2-aws-values',
      provider: 'aws',
      field: 'value',
      query: AWS_VALUES_QUERY,
      op: 'AWS BatchGetSecretValue',
      perCall: AWS_VALUES_PER_CALL,
      present: (value) => value !== null && typeof value === 'object',
      uncached: true,
    },
  ];
  for (const d of details) {
    const segs = segments(inventory, [d.provider]);
    const want = Math.min(100, totalOf(segs));
    const minimum = pageWithDetailsMinimum(segs, want, d.op, limits, d.perCall);
    const listCalls = minimum.calls - Math.ceil(want / d.perCall);
    out.push({
      key: d.key,
      group: 2,
      title: `page of ${want} ${NAMES[d.provider]} + ${d.field}`,
      minimum,
      repeatCalls: d.uncached ? minimum.calls - listCalls : undefined,
      note: d.uncached ? `values are never cached: a repeat makes its ${d.op} calls again` : undefined,
      connections: Math.max(1, Math.ceil(c / 2)),
      run: single(requestBody(d.query, { first: want, filter: { sources: [SOURCE_IDS[d.provider]] } }), (data) => {
        const problems = expectEdges(want)(data);
        const missing = (data?.secrets?.edges ?? []).filter(
          (e: { node: Record<string, unknown> }) => !d.present(e.node[d.field]),
        ).length;
        if (missing) problems.push(`${missing} rows without ${d.field}`);
        return problems;
      }),
    });
  }

  // 3. A full forward walk with first: 100 of the largest inventory (and of the largest paged one).
  {
    const sizes = PROVIDER_KEYS.map((p) => ({ provider: p, total: totalOf(segments(inventory, [p])) })).sort(
      (a, b) => b.total - a.total,
    );
    const largest = sizes[0];
    const largestPaged = sizes.find((s) => s.provider === 'apig' || s.provider === 'kms')!;
    for (const { provider, total } of largest.provider === largestPaged.provider
      ? [largest]
      : [largest, largestPaged]) {
      const segs = segments(inventory, [provider]);
      const minimum = walkMinimum(segs, 100, limits);
      out.push({
        key: `3-walk-${provider}`,
        group: 3,
        title: `walk ${total} ${NAMES[provider]}, first:100 (${minimum.pages} pages)`,
        minimum,
        note:
          minimum.cachedCalls < minimum.calls
            ? `${minimum.cachedCalls} calls with a warm cross-request cache (each list once)`
            : undefined,
        connections: c,
        run: walk(PAGE_QUERY, { sources: [SOURCE_IDS[provider]] }, 100, total),
      });
    }
  }

  // 4. All sources, first page of 100 (and the same with totalCount, as the README's example asks).
  {
    const segs = segments(inventory);
    out.push({
      key: '4-all',
      group: 4,
      title: 'all sources, first 100',
      minimum: pageMinimum(segs, 100, limits),
      connections: c,
      run: single(requestBody(PAGE_QUERY, { first: 100 }), expectEdges(100)),
    });
    out.push({
      key: '4-all-total',
      group: 4,
      title: 'all sources, first 100 + totalCount',
      minimum: pageWithTotalMinimum(segs, 100, limits),
      note: segs.some((s) => s.paging === 'marker' || s.paging === 'token')
        ? 'totalCount is null (CSMS and AWS cannot count): reading other sources cannot change that'
        : undefined,
      connections: c,
      run: single(requestBody(PAGE_WITH_TOTAL_QUERY, { first: 100 }), expectEdges(100)),
    });
  }

  // 5. 100 federation entity representations, as a router sends them.
  {
    const refs = inventory.sae.refIds.map((id) => ({
      __typename: 'SaeSecret',
      id: globalId('SaeSecret', [SOURCE_IDS.sae, inventory.sae.refNamespace, id]),
    }));
    out.push({
      key: '5-entities-sae',
      group: 5,
      title: `_entities: ${refs.length} SAE refs, one namespace`,
      minimum: saeEntitiesMinimum(),
      connections: c,
      run: single(requestBody(ENTITIES_QUERY, { representations: refs }), entitiesCheck(refs.length)),
    });
    const names = spread(100, inventory.kms.total).map((i) => inventory.kms.names[i]);
    const kmsRefs = names.map((name) => ({
      __typename: 'KmsSecret',
      id: globalId('KmsSecret', [SOURCE_IDS.kms, inventory.kms.regionId, name]),
    }));
    out.push({
      key: '5-entities-kms',
      group: 5,
      title: `_entities: ${kmsRefs.length} KMS refs, spread over ${inventory.kms.total}`,
      minimum: kmsEntitiesMinimum(kmsRefs.length, inventory.kms.total, limits),
      connections: c,
      run: single(requestBody(ENTITIES_QUERY, { representations: kmsRefs }), entitiesCheck(kmsRefs.length)),
    });
  }
  return out;
}

function entitiesCheck(n: number) {
  return (data: any) => {
    const entities = (data?._entities ?? []) as Array<{ name?: string } | null>;
    const resolved = entities.filter((e) => e && e.name).length;
    return entities.length === n && resolved === n ? [] : [`${resolved}/${n} references resolved`];
  };
}
