import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { EmulatorSet } from '../../src/emulators/index.js';
import {
  SecretsCountDocument,
  SecretsPageDocument,
  type Provider,
  type SecretFilter,
  type SecretsPageQuery,
} from '../generated/graphql.js';
import { expectData, startStack, type ExecuteResult, type Stack } from '../helpers/stack.js';

/**
 * `secrets(filter: …)` end to end: every filter field against an expectation computed from the
 * emulator seed (not from the gateway's own filter code), which sources are left uncalled, what
 * is pushed down to APIG and KMS, and paging under a filter.
 */

type EmulatorName = keyof EmulatorSet['servers'];
const EMULATORS: EmulatorName[] = ['sae', 'apig', 'kms', 'csms', 'aws'];

/** One secret as the seed describes it, with what the filter semantics of schema.graphql look at. */
interface SeedSecret {
  id: string;
  label: string;
  provider: Provider;
  source: string;
  namespace: string;
  name: string;
  /** SAE and KMS SecretType; APIG and CSMS lists carry none. */
  type: string | null;
  /** CSMS state or APIG status. */
  state: string | null;
  gatewayType: string | null;
  tags: Array<{ key: string; value: string }> | null;
}

function globalId(typename: string, parts: string[]): string {
  return Buffer.from(`${typename}:${JSON.stringify(parts)}`).toString('base64url');
}

/**
 * The whole inventory in the documented walk order: sources as configured (SAE, APIG, KMS, CSMS, AWS),
 * then namespaces (by id), then each provider's own list order (the seed is stored in that order).
 */
function inventory(data: EmulatorSet['data']): SeedSecret[] {
  const out: SeedSecret[] = [];
  const namespaceIds = data.sae.namespaces.map((ns) => ns.NamespaceId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const namespaceId of namespaceIds) {
    for (const s of data.sae.secrets.filter((x) => x.NamespaceId === namespaceId)) {
      const key = String(s.SecretId);
      out.push({
        id: globalId('SaeSecret', ['sae-demo', namespaceId, key]),
        label: `sae/${namespaceId}/${s.SecretName}#${key}`,
        provider: 'ALIBABA_SAE',
        source: 'sae-demo',
        namespace: namespaceId,
        name: s.SecretName,
        type: s.SecretType,
        state: null,
        gatewayType: null,
        tags: null,
      });
    }
  }
  for (const s of data.apig.secrets) {
    out.push({
      id: globalId('ApigSecret', ['apig-demo', data.apig.regionId, s.secretId]),
      label: `apig/${s.name}#${s.secretId}`,
      provider: 'ALIBABA_APIG',
      source: 'apig-demo',
      namespace: data.apig.regionId,
      name: s.name,
      type: null,
      state: s.status,
      gatewayType: s.gatewayType,
      tags: null,
    });
  }
  for (const s of data.kms.secrets) {
    out.push({
      id: globalId('KmsSecret', ['kms-demo', data.kms.regionId, s.SecretName]),
      label: `kms/${s.SecretName}`,
      provider: 'ALIBABA_KMS',
      source: 'kms-demo',
      namespace: data.kms.regionId,
      name: s.SecretName,
      type: s.SecretType,
      state: null,
      gatewayType: null,
      tags: s.Tags.map((t) => ({ key: t.TagKey, value: t.TagValue })),
    });
  }
  for (const s of data.csms.secrets) {
    out.push({
      id: globalId('CsmsSecret', ['csms-demo', data.csms.projectId, s.name]),
      label: `csms/${s.name}`,
      provider: 'HUAWEI_CSMS',
      source: 'csms-demo',
      namespace: data.csms.projectId,
      name: s.name,
      type: null,
      state: s.state,
      gatewayType: null,
      tags: null,
    });
  }
  // AWS lists oldest first and leaves out secrets scheduled for deletion.
  for (const s of data.aws.secrets.filter((x) => x.deletedMs === null)) {
    out.push({
      id: globalId('AwsSecret', ['aws-demo', data.aws.region, s.name]),
      label: `aws/${s.name}`,
      provider: 'AWS_SECRETS_MANAGER',
      source: 'aws-demo',
      namespace: data.aws.region,
      name: s.name,
      type: null,
      state: null,
      gatewayType: null,
      tags: s.tags.map((t) => ({ key: t.Key, value: t.Value })),
    });
  }
  return out;
}

/** The filter semantics of schema.graphql (AND between fields, OR inside a list), written out independently. */
function expectedMatch(s: SeedSecret, f: SecretFilter): boolean {
  if (f.nameContains != null && f.nameContains !== '' && !s.name.toLowerCase().includes(f.nameContains.toLowerCase()))
    return false;
  if (f.names?.length && !f.names.includes(s.name)) return false;
  if (f.types?.length && (s.type === null || !f.types.includes(s.type))) return false;
  if (f.providers?.length && !f.providers.includes(s.provider)) return false;
  if (f.sources?.length && !f.sources.map(String).includes(s.source)) return false;
  if (f.namespaces?.length && !f.namespaces.includes(s.namespace)) return false;
  if (f.states?.length && (s.state === null || !f.states.includes(s.state))) return false;
  if (f.gatewayType != null && s.gatewayType !== f.gatewayType) return false;
  if (f.tags?.length) {
    const tags = s.tags ?? [];
    if (!f.tags.every((want) => tags.some((t) => t.key === want.key && (want.value == null || t.value === want.value))))
      return false;
  }
  return true;
}

function totalCalls(stack: Stack, emulator: EmulatorName): number {
  return Object.values(stack.emulators.servers[emulator].getStats().operations).reduce((sum, op) => sum + op.calls, 0);
}

let stack: Stack;
let all: SeedSecret[];
let labels: Map<string, string>;

/** Walks every page of `secrets(filter)`; fails on errors, failed sources and pages that do not advance. */
async function walk(filter: SecretFilter | null, first: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let pages = 1; pages <= 2000; pages++) {
    const result: ExecuteResult<SecretsPageQuery> = await stack.execute(SecretsPageDocument, { first, after, filter });
    expect(result.status).toBe(200);
    const connection: SecretsPageQuery['secrets'] = expectData(result).secrets;
    expect(connection.sourceStates.filter((s) => s.status !== 'OK')).toEqual([]);
    expect(connection.edges.length).toBeLessThanOrEqual(first);
    ids.push(...connection.edges.map((e) => e.node.id));
    if (!connection.pageInfo.hasNextPage) return { ids, pages };
    expect(connection.pageInfo.endCursor, 'a page that says more follow must give a cursor').toBeTruthy();
    after = connection.pageInfo.endCursor;
  }
  throw new Error('the walk never ended');
}

function label(id: string): string {
  return labels.get(id) ?? `unknown ${Buffer.from(id, 'base64url').toString('utf8')}`;
}

/** Set comparison first (readable diffs), then the exact order. */
function expectSameSecrets(actual: string[], expected: SeedSecret[]): void {
  const want = new Set(expected.map((s) => s.id));
  const got = new Set(actual);
  const duplicates = actual.filter((id, i) => actual.indexOf(id) !== i).map(label);
  const missing = expected.filter((s) => !got.has(s.id)).map((s) => s.label);
  const extra = actual.filter((id) => !want.has(id)).map(label);
  expect({ missing, extra, duplicates }).toEqual({ missing: [], extra: [], duplicates: [] });
  expect(actual.map(label)).toEqual(expected.map((s) => s.label));
}

beforeAll(async () => {
  stack = await startStack();
  all = inventory(stack.emulators.data);
  labels = new Map(all.map((s) => [s.id, s.label]));
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  stack.emulators.reset();
});

describe('secrets without a filter', () => {
  it('walks the whole inventory in the documented order, each secret once', async () => {
    const { ids } = await walk(null, 100);
    expect(all.length).toBeGreaterThan(1000);
    expectSameSecrets(ids, all);
  });
});

interface FilterCase {
  title: string;
  filter: (data: EmulatorSet['data']) => SecretFilter;
  /** Emulators that must see no call at all, because their records lack a filtered field (or are excluded). */
  untouched: EmulatorName[];
  /** Providers the expectation must reach, so that a case cannot pass by matching nothing. */
  reaches: Provider[];
}

const FILTER_CASES: FilterCase[] = [
  {
    title: 'nameContains matches a case-insensitive substring in every provider',
    filter: () => ({ nameContains: 'PAYMENT' }),
    untouched: [],
    reaches: ['ALIBABA_SAE', 'ALIBABA_APIG', 'ALIBABA_KMS', 'HUAWEI_CSMS', 'AWS_SECRETS_MANAGER'],
  },
  {
    title: 'names matches exact names (a name SAE repeats across namespaces comes back every time)',
    filter: (d) => ({
      names: [
        d.sae.secrets.find((s) => d.sae.secrets.filter((o) => o.SecretName === s.SecretName).length > 1)!.SecretName,
        d.apig.secrets[7].name,
        d.kms.secrets[11].SecretName,
        d.kms.secrets[250].SecretName,
        d.csms.secrets[42].name,
        'no-such-secret-anywhere',
        // A substring of real names is not a name.
        'payment',
      ],
    }),
    untouched: [],
    reaches: ['ALIBABA_SAE', 'ALIBABA_APIG', 'ALIBABA_KMS', 'HUAWEI_CSMS'],
  },
  {
    title: 'names: one APIG name that other APIG names contain (nameLike is a substring match) returns that name only',
    filter: (d) => {
      const short = d.apig.secrets.find((s) => d.apig.secrets.some((o) => o !== s && o.name.includes(s.name)));
      if (!short) throw new Error('precondition: the APIG seed has a name contained in another name');
      return { names: [short.name], providers: ['ALIBABA_APIG'] };
    },
    untouched: ['sae', 'kms', 'csms', 'aws'],
    reaches: ['ALIBABA_APIG'],
  },
  {
    title: 'names: more KMS names than one KMS filter takes (10) are all found',
    filter: (d) => ({
      names: [...d.kms.secrets.filter((_s, i) => i % 20 === 3).map((s) => s.SecretName), 'no-such-secret'],
    }),
    untouched: [],
    reaches: ['ALIBABA_KMS'],
  },
  {
    title: 'types matches SAE and KMS SecretType; APIG, CSMS and AWS are not called',
    filter: () => ({ types: ['kubernetes.io/tls', 'Rds'] }),
    untouched: ['apig', 'csms', 'aws'],
    reaches: ['ALIBABA_SAE', 'ALIBABA_KMS'],
  },
  {
    title: 'providers keeps only the given providers; the others are not called',
    filter: () => ({ providers: ['ALIBABA_APIG', 'HUAWEI_CSMS'] }),
    untouched: ['sae', 'kms', 'aws'],
    reaches: ['ALIBABA_APIG', 'HUAWEI_CSMS'],
  },
  {
    title: 'sources keeps only the given source ids; the others are not called',
    filter: () => ({ sources: ['kms-demo'] }),
    untouched: ['sae', 'apig', 'csms', 'aws'],
    reaches: ['ALIBABA_KMS'],
  },
  {
    title: 'namespaces: one SAE namespace and the CSMS project',
    filter: (d) => ({ namespaces: ['cn-hangzhou:prod', d.csms.projectId] }),
    untouched: ['apig', 'kms', 'aws'],
    reaches: ['ALIBABA_SAE', 'HUAWEI_CSMS'],
  },
  {
    title: 'namespaces: a region id is the SAE default namespace and the APIG and KMS region at once',
    filter: (d) => ({ namespaces: [d.kms.regionId] }),
    untouched: ['csms', 'aws'],
    reaches: ['ALIBABA_SAE', 'ALIBABA_APIG', 'ALIBABA_KMS'],
  },
  {
    title: 'states matches APIG status and CSMS state; SAE, KMS and AWS are not called',
    filter: () => ({ states: ['DISABLE', 'PENDING_DELETE'] }),
    untouched: ['sae', 'kms', 'aws'],
    reaches: ['ALIBABA_APIG', 'HUAWEI_CSMS'],
  },
  {
    title: 'gatewayType matches APIG only; nothing else is called',
    filter: () => ({ gatewayType: 'AI' }),
    untouched: ['sae', 'kms', 'csms', 'aws'],
    reaches: ['ALIBABA_APIG'],
  },
  {
    title: 'tags with a key only matches any value; only KMS and AWS (the providers with tags) are called',
    filter: () => ({ tags: [{ key: 'team' }] }),
    untouched: ['sae', 'apig', 'csms'],
    reaches: ['ALIBABA_KMS'],
  },
  {
    title: 'tags with key and value; only KMS and AWS are called',
    filter: () => ({ tags: [{ key: 'env', value: 'prod' }] }),
    untouched: ['sae', 'apig', 'csms'],
    reaches: ['ALIBABA_KMS'],
  },
  {
    title: 'tags: a secret must carry every tag asked for',
    filter: () => ({ tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'payments' }, { key: 'app' }] }),
    untouched: ['sae', 'apig', 'csms'],
    reaches: ['ALIBABA_KMS'],
  },
  {
    title:
      'tags: key and value must sit on the same tag (env=payments matches nothing though KMS holds env tags and team=payments tags)',
    filter: () => ({ tags: [{ key: 'env', value: 'payments' }] }),
    untouched: ['sae', 'apig', 'csms'],
    reaches: [],
  },
  {
    title: 'several fields narrow together (AND)',
    filter: (d) => ({
      nameContains: 'ledger',
      providers: ['ALIBABA_SAE', 'ALIBABA_KMS', 'HUAWEI_CSMS'],
      namespaces: [d.kms.regionId, 'cn-hangzhou:dev', d.csms.projectId],
    }),
    untouched: ['apig', 'aws'],
    reaches: ['ALIBABA_SAE', 'ALIBABA_KMS', 'HUAWEI_CSMS'],
  },
  {
    title: 'types and names together, across SAE and KMS',
    filter: (d) => ({
      types: ['Generic', 'Opaque'],
      names: [
        ...d.kms.secrets.slice(0, 40).map((s) => s.SecretName),
        ...d.sae.secrets.slice(0, 40).map((s) => s.SecretName),
      ],
    }),
    untouched: ['apig', 'csms', 'aws'],
    reaches: ['ALIBABA_SAE', 'ALIBABA_KMS'],
  },
];

describe('every filter field returns exactly the matching secrets', () => {
  for (const c of FILTER_CASES) {
    it(c.title, async () => {
      const filter = c.filter(stack.emulators.data);
      const expected = all.filter((s) => expectedMatch(s, filter));
      for (const provider of c.reaches)
        expect(
          expected.some((s) => s.provider === provider),
          `expectation reaches ${provider}`,
        ).toBe(true);
      if (c.reaches.length === 0) expect(expected).toEqual([]);

      const { ids } = await walk(filter, 100);
      expectSameSecrets(ids, expected);
      for (const name of c.untouched)
        expect({ emulator: name, calls: totalCalls(stack, name) }).toEqual({ emulator: name, calls: 0 });

      // totalCount may be null (gateway-side filtering), but never a wrong number.
      const count = expectData(await stack.execute(SecretsCountDocument, { filter })).secrets.totalCount;
      if (count !== null) expect(count).toBe(expected.length);
    });
  }
});

describe('sources whose records lack the filtered field are not called', () => {
  it('tags: no SAE, APIG or CSMS call of any kind (ListSecrets, DescribeNamespaceList, IAM)', async () => {
    await walk({ tags: [{ key: 'env' }] }, 100);
    expect(stack.calls('sae', 'ListSecrets') + stack.calls('sae', 'DescribeNamespaceList')).toBe(0);
    expect(stack.calls('apig', 'ListSecrets')).toBe(0);
    expect(stack.calls('csms', 'ListSecrets') + stack.calls('csms', 'KeystoneCreateUserTokenByPassword')).toBe(0);
    expect(stack.calls('kms', 'ListSecrets')).toBeGreaterThan(0);
  });

  it('gatewayType: only APIG is called', async () => {
    await walk({ gatewayType: 'API' }, 100);
    for (const name of ['sae', 'kms', 'csms', 'aws'] as const) expect(totalCalls(stack, name)).toBe(0);
    expect(stack.calls('apig', 'ListSecrets')).toBeGreaterThan(0);
  });

  it('a filter no source can satisfy (gatewayType and tags) calls nothing and returns nothing', async () => {
    const { ids } = await walk({ gatewayType: 'AI', tags: [{ key: 'env' }] }, 100);
    expect(ids).toEqual([]);
    for (const name of EMULATORS) expect(totalCalls(stack, name)).toBe(0);
  });

  it('namespaces: only the namespaces asked for are listed', async () => {
    const page = expectData(
      await stack.execute(SecretsPageDocument, { first: 100, filter: { namespaces: ['cn-hangzhou:prod'] } }),
    ).secrets;
    expect(page.edges).toHaveLength(100);
    expect(new Set(page.edges.map((e) => e.node.namespace.namespaceId))).toEqual(new Set(['cn-hangzhou:prod']));
    expect(page.sourceStates.map((s) => `${s.source}/${s.namespace}`)).toEqual(['sae-demo/cn-hangzhou:prod']);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    for (const name of ['apig', 'kms', 'csms', 'aws'] as const) expect(totalCalls(stack, name)).toBe(0);
  });
});

/**
 * Pushdown: the provider filters, so the gateway reads fewer rows. Each case compares the
 * ListSecrets calls the gateway made with how many 100-row pages it would need to find the same
 * answer by filtering itself (computed from the seed in the provider's own order).
 */
describe('filters pushed down to the provider', () => {
  const PAGE = 100;

  /** Pages a gateway-side filter would have to read to return `first` matches and know whether more follow. */
  function pagesWithoutPushdown(providerRows: SeedSecret[], filter: SecretFilter, first: number): number {
    let seen = 0;
    for (let i = 0; i < providerRows.length; i++) {
      if (expectedMatch(providerRows[i], filter) && ++seen > first) return Math.ceil((i + 1) / PAGE);
    }
    return Math.ceil(providerRows.length / PAGE);
  }

  async function firstPage(filter: SecretFilter, first: number) {
    const result = await stack.execute(SecretsPageDocument, { first, filter });
    return expectData(result).secrets;
  }

  it('APIG nameContains goes as nameLike: one ListSecrets call instead of a walk over every page', async () => {
    const filter: SecretFilter = { providers: ['ALIBABA_APIG'], nameContains: 'LEDGER' };
    const apigRows = all.filter((s) => s.provider === 'ALIBABA_APIG');
    const expected = apigRows.filter((s) => expectedMatch(s, filter));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(PAGE);
    expect(pagesWithoutPushdown(apigRows, filter, PAGE)).toBe(Math.ceil(apigRows.length / PAGE));

    const page = await firstPage(filter, PAGE);
    expectSameSecrets(
      page.edges.map((e) => e.node.id),
      expected,
    );
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(stack.calls('apig', 'ListSecrets')).toBe(1);
  });

  it('APIG gatewayType goes as gatewayType: fewer ListSecrets pages than a gateway-side filter needs', async () => {
    const filter: SecretFilter = { gatewayType: 'AI' };
    const apigRows = all.filter((s) => s.provider === 'ALIBABA_APIG');
    const first = 50;
    expect(pagesWithoutPushdown(apigRows, filter, first)).toBeGreaterThan(1);
    const page = await firstPage(filter, first);
    expectSameSecrets(
      page.edges.map((e) => e.node.id),
      apigRows.filter((s) => expectedMatch(s, filter)).slice(0, first),
    );
    expect(stack.calls('apig', 'ListSecrets')).toBe(1);
  });

  const kmsCases: Array<{ title: string; filter: (d: EmulatorSet['data']) => SecretFilter; first: number }> = [
    {
      title: 'names',
      filter: (d) => ({
        names: [d.kms.secrets[5].SecretName, d.kms.secrets[160].SecretName, d.kms.secrets[320].SecretName],
      }),
      first: 100,
    },
    { title: 'types', filter: () => ({ types: ['Rds'] }), first: 100 },
    { title: 'tags (key only)', filter: () => ({ tags: [{ key: 'team' }] }), first: 50 },
    { title: 'tags (key and value)', filter: () => ({ tags: [{ key: 'env', value: 'prod' }] }), first: 100 },
  ];
  for (const c of kmsCases) {
    it(`KMS ${c.title} goes as Filters: one ListSecrets call where a gateway-side filter needs several`, async () => {
      const filter: SecretFilter = { ...c.filter(stack.emulators.data), providers: ['ALIBABA_KMS'] };
      const kmsRows = all.filter((s) => s.provider === 'ALIBABA_KMS');
      const expected = kmsRows.filter((s) => expectedMatch(s, filter));
      expect(pagesWithoutPushdown(kmsRows, filter, c.first)).toBeGreaterThan(1);
      const page = await firstPage(filter, c.first);
      expectSameSecrets(
        page.edges.map((e) => e.node.id),
        expected.slice(0, c.first),
      );
      expect(page.pageInfo.hasNextPage).toBe(expected.length > c.first);
      expect(stack.calls('kms', 'ListSecrets')).toBe(1);
    });
  }

  // totalCount: "Null when a filter must be applied in the gateway on a paged provider". These
  // filters are applied completely by the provider, so its own count is the answer. (APIG
  // nameContains is left out on purpose: nameLike is documented only as "fuzzy", so the adapter
  // re-checks names and totalCount may be null; the filter cases above check it is never wrong.)
  const exactCounts: Array<{ title: string; filter: (d: EmulatorSet['data']) => SecretFilter }> = [
    { title: 'APIG gatewayType', filter: () => ({ gatewayType: 'AI' }) },
    {
      title: 'KMS names',
      filter: (d) => ({
        providers: ['ALIBABA_KMS'],
        names: [d.kms.secrets[5].SecretName, d.kms.secrets[160].SecretName, d.kms.secrets[320].SecretName],
      }),
    },
    { title: 'KMS types', filter: () => ({ providers: ['ALIBABA_KMS'], types: ['Rds', 'Redis'] }) },
    { title: 'KMS tag key', filter: () => ({ providers: ['ALIBABA_KMS'], tags: [{ key: 'team' }] }) },
  ];
  for (const c of exactCounts) {
    it(`totalCount comes from the provider when it applied the whole filter: ${c.title}`, async () => {
      const filter = c.filter(stack.emulators.data);
      const expected = all.filter((s) => expectedMatch(s, filter));
      expect(expected.length).toBeGreaterThan(0);
      const count = expectData(await stack.execute(SecretsCountDocument, { filter })).secrets.totalCount;
      expect(count).toBe(expected.length);
    });
  }

  it("totalCount for filters on sources and namespaces only is the providers' own count", async () => {
    const cases: SecretFilter[] = [
      { providers: ['ALIBABA_APIG', 'ALIBABA_KMS'] },
      { sources: ['sae-demo'] },
      { namespaces: [stack.emulators.data.kms.regionId] },
      { providers: ['ALIBABA_SAE'], nameContains: 'ledger' },
    ];
    for (const filter of cases) {
      const count = expectData(await stack.execute(SecretsCountDocument, { filter })).secrets.totalCount;
      expect({ filter, count }).toEqual({ filter, count: all.filter((s) => expectedMatch(s, filter)).length });
    }
    // CSMS reports no count.
    expect(
      expectData(await stack.execute(SecretsCountDocument, { filter: { providers: ['HUAWEI_CSMS'] } })).secrets
        .totalCount,
    ).toBeNull();
  });
});

describe('paging under a filter with a small page size', () => {
  const cases: Array<{ title: string; filter: SecretFilter; first: number }> = [
    { title: 'nameContains across every provider, 3 at a time', filter: { nameContains: 'ledger' }, first: 3 },
    {
      title: 'states across APIG (page numbers) and CSMS (markers), 3 at a time',
      filter: { states: ['DISABLE', 'PENDING_DELETE', 'FROZEN'] },
      first: 3,
    },
    {
      title: 'KMS and AWS tags (pushed down and re-checked), 7 at a time',
      filter: { tags: [{ key: 'env', value: 'prod' }, { key: 'team' }] },
      first: 7,
    },
    {
      title: 'SAE namespaces and types, 4 at a time',
      filter: { namespaces: ['cn-hangzhou:staging', 'cn-hangzhou:dev'], types: ['Opaque'] },
      first: 4,
    },
  ];
  for (const c of cases) {
    it(`${c.title}: nothing lost, nothing repeated`, async () => {
      const expected = all.filter((s) => expectedMatch(s, c.filter));
      expect(expected.length).toBeGreaterThan(c.first * 3);
      const { ids, pages } = await walk(c.filter, c.first);
      expectSameSecrets(ids, expected);
      // Every page but a possibly empty last one is full.
      expect(pages).toBeLessThanOrEqual(Math.ceil(expected.length / c.first) + 1);
    });
  }

  it('backward (last/before) under a filter gives the same sequence as forward, for providers that page backward', async () => {
    const cases: Array<{ filter: SecretFilter; last: number }> = [
      { filter: { nameContains: 'oauth', providers: ['ALIBABA_SAE', 'ALIBABA_APIG'] }, last: 3 },
      { filter: { tags: [{ key: 'env', value: 'prod' }], providers: ['ALIBABA_KMS'] }, last: 7 },
      { filter: { types: ['Rds', 'kubernetes.io/tls'], namespaces: ['cn-hangzhou', 'cn-hangzhou:prod'] }, last: 10 },
    ];
    for (const { filter, last } of cases) {
      const ids: string[] = [];
      let before: string | null = null;
      for (let page = 0; ; page++) {
        expect(page).toBeLessThan(500);
        const result: ExecuteResult<SecretsPageQuery> = await stack.execute(SecretsPageDocument, {
          last,
          before,
          filter,
        });
        const connection: SecretsPageQuery['secrets'] = expectData(result).secrets;
        ids.unshift(...connection.edges.map((e) => e.node.id));
        if (!connection.pageInfo.hasPreviousPage) break;
        before = connection.pageInfo.startCursor;
        expect(before).toBeTruthy();
      }
      expectSameSecrets(
        ids,
        all.filter((s) => expectedMatch(s, filter)),
      );
    }
  });

  it('the same filter paged 3 at a time and 100 at a time gives the same sequence', async () => {
    const filter: SecretFilter = { nameContains: 'oauth', providers: ['ALIBABA_APIG', 'HUAWEI_CSMS', 'ALIBABA_KMS'] };
    const small = await walk(filter, 3);
    const large = await walk(filter, 100);
    expect(small.ids).toEqual(large.ids);
    expect(small.ids.length).toBe(all.filter((s) => expectedMatch(s, filter)).length);
  });
});

/**
 * `providers` took `[Provider!]` until it got a type of its own (SCHEMA_CHANGES.md): what clients
 * send today still works, over raw HTTP, except a variable declared with the old type's name.
 */
describe('filter.providers as clients spell it', () => {
  async function post(query: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.authHeaders },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
  }
  const SELECTION = '{ nodes { provider } }';

  it.each([
    ['an enum literal', `{ secrets(first: 3, filter: { providers: [HUAWEI_CSMS] }) ${SELECTION} }`, {}],
    [
      'a `$filter: SecretFilter` variable',
      `query($filter: SecretFilter) { secrets(first: 3, filter: $filter) ${SELECTION} }`,
      { filter: { providers: ['HUAWEI_CSMS'] } },
    ],
    [
      'a `$providers: [SecretFilterProvider!]` variable',
      `query($providers: [SecretFilterProvider!]) { secrets(first: 3, filter: { providers: $providers }) ${SELECTION} }`,
      { providers: ['HUAWEI_CSMS'] },
    ],
  ])('%s selects that provider only', async (_, query, variables) => {
    const { status, body } = await post(query, variables);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { secrets: { nodes: Array.from({ length: 3 }, () => ({ provider: 'HUAWEI_CSMS' })) } },
    });
    for (const name of ['sae', 'apig', 'kms', 'aws'] as const) expect(totalCalls(stack, name)).toBe(0);
  });

  it('a variable declared `[Provider!]` is refused before any call: declare it `[SecretFilterProvider!]`', async () => {
    const { status, body } = await post(
      `query($providers: [Provider!]) { secrets(first: 3, filter: { providers: $providers }) ${SELECTION} }`,
      { providers: ['HUAWEI_CSMS'] },
    );
    // HTTP 200: the request asked for application/json (GraphQL over HTTP's legacy answer).
    expect({ status, body }).toEqual({
      status: 200,
      body: {
        errors: [
          expect.objectContaining({
            message:
              'Variable "$providers" of type "[Provider!]" used in position expecting type "[SecretFilterProvider!]".',
            extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
          }),
        ],
      },
    });
    for (const name of EMULATORS) expect(totalCalls(stack, name)).toBe(0);
  });
});
