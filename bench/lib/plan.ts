import { planPages } from '../../src/pagination/page-plan.js';
import { BATCH_GET_MAX_IDS, LIST_SECRETS_MAX_RESULTS } from '../../src/providers/aws-secrets-manager/emulator.js';
import type { SdkExportTarget } from '../children/sdk-baseline.js';
import { PROVIDER_KEYS, type InventorySummary, type ProviderKey } from './types.js';

/**
 * The references every ratio is measured against, computed from the emulator inventory of the
 * run and the gateway's limits (nothing hard-coded):
 *
 * - minimum calls: the fewest provider calls that can answer the request, given what each
 *   provider's API offers (page-number pages of at most 100, CSMS markers of at most 200 rows,
 *   AWS NextToken pages of at most 100 (MaxResults), SAE lists that are unpaged per namespace,
 *   KMS lookups of 10 names per ListSecrets, one detail call per secret for detail fields, AWS
 *   values 20 secrets per BatchGetSecretValue);
 * - rounds: the critical path of those calls in units of one upstream latency, given the
 *   per-source concurrency limit and the data dependencies: a call that needs another's answer
 *   (the next segment of a walk, a detail call after the list, page 2.. after page 1 told the
 *   total) is a round after it; independent calls of one source share a round up to its limit.
 *   Lower bound for wall time = rounds × latency.
 */

export interface Limits {
  concurrency: Record<ProviderKey, number>;
  /** Token bucket per source (null: none). A request's calls beyond the burst wait for tokens. */
  rate: Record<ProviderKey, { perSecond: number; burst: number } | null>;
  /** SAE namespaces are discovered (one DescribeNamespaceList per request that reaches SAE). */
  discoverNamespaces: boolean;
}

export interface Minimum {
  calls: number;
  rounds: number;
  /** Which calls, for the report: "1 ListSecrets + 100 DescribeSecret". */
  detail: string;
  perProvider: Partial<Record<ProviderKey, number>>;
}

/**
 * Lower bound for wall time: the critical path at `latencyMs` a round, or, where a source's
 * rate limit is lower, the time its bucket needs to hand out the calls beyond its burst.
 */
export function lowerBoundMs(minimum: Minimum, latencyMs: number, limits: Limits): number {
  let bound = minimum.rounds * latencyMs;
  for (const [provider, calls] of Object.entries(minimum.perProvider) as Array<[ProviderKey, number]>) {
    const rate = limits.rate[provider];
    if (rate && calls > rate.burst) bound = Math.max(bound, ((calls - rate.burst) / rate.perSecond) * 1000 + latencyMs);
  }
  return bound;
}

type Paging = 'none' | 'page-number' | 'marker' | 'token';

interface Segment {
  provider: ProviderKey;
  namespace: string;
  count: number;
  paging: Paging;
}

const PAGING: Record<ProviderKey, Paging> = {
  sae: 'none',
  apig: 'page-number',
  kms: 'page-number',
  csms: 'marker',
  aws: 'token',
};
const MAX_PAGE = 100;
const CSMS_MAX_LIMIT = 200;
const KMS_NAME_BATCH = 10;
/** AWS ListSecrets: MaxResults up to 100, the next page only through the previous page's NextToken. */
const AWS_MAX_RESULTS = LIST_SECRETS_MAX_RESULTS;
/** AWS BatchGetSecretValue: up to 20 secret ids a call. */
export const AWS_VALUES_PER_CALL = BATCH_GET_MAX_IDS;

/** Paging schemes whose connections cannot count (totalCount is null): markers and tokens. */
const uncountable = (seg: Segment) => seg.paging === 'marker' || seg.paging === 'token';

/** Segments in the order connections walk them: sources in configuration order, then namespaces. */
export function segments(inventory: InventorySummary, providers: readonly ProviderKey[] = PROVIDER_KEYS): Segment[] {
  const out: Segment[] = [];
  for (const provider of providers) {
    if (provider === 'sae') {
      const sorted = [...inventory.sae.namespaces].sort((a, b) => a.id.localeCompare(b.id));
      for (const ns of sorted) out.push({ provider, namespace: ns.id, count: ns.count, paging: 'none' });
    } else {
      out.push({ provider, namespace: provider, count: inventory[provider].total, paging: PAGING[provider] });
    }
  }
  return out;
}

export function totalOf(segs: Segment[]): number {
  return segs.reduce((n, s) => n + s.count, 0);
}

interface Tally {
  calls: number;
  perProvider: Partial<Record<ProviderKey, number>>;
  rounds: number;
  ops: Map<string, number>;
  /** Segments whose whole list this request already read (unpaged) or whose total it knows (paged). */
  known: Set<Segment>;
}

const newTally = (): Tally => ({ calls: 0, perProvider: {}, rounds: 0, ops: new Map(), known: new Set() });

function add(tally: Tally, op: string, calls: number, rounds: number): void {
  if (calls <= 0) return;
  const provider = op.split(' ')[0].toLowerCase() as ProviderKey;
  tally.perProvider[provider] = (tally.perProvider[provider] ?? 0) + calls;
  tally.calls += calls;
  tally.rounds += rounds;
  tally.ops.set(op, (tally.ops.get(op) ?? 0) + calls);
}

function finish(tally: Tally): Minimum {
  return {
    calls: tally.calls,
    perProvider: tally.perProvider,
    rounds: tally.rounds,
    detail: [...tally.ops].map(([op, n]) => `${n} ${op}`).join(' + ') || 'none',
  };
}

/**
 * Rows [start, start + want) of the concatenated segments: a segment is read only once the
 * previous one is known to end inside the window, so touched segments are sequential rounds.
 */
function window(tally: Tally, segs: Segment[], start: number, want: number, limits: Limits, knownTotal: boolean): void {
  let offset = 0;
  let remaining = want;
  let saeExpanded = false;
  for (const seg of segs) {
    if (remaining <= 0) break;
    const segEnd = offset + seg.count;
    if (segEnd <= start) {
      offset = segEnd;
      continue;
    }
    if (seg.provider === 'sae' && limits.discoverNamespaces && !saeExpanded) {
      saeExpanded = true;
      add(tally, 'SAE DescribeNamespaceList', 1, 1);
    }
    const localStart = Math.max(0, start - offset);
    const take = Math.min(remaining, seg.count - localStart);
    const op = `${seg.provider.toUpperCase()} ListSecrets`;
    switch (seg.paging) {
      case 'none':
        add(tally, op, 1, 1);
        break;
      case 'page-number': {
        const pages = planPages(localStart, localStart + Math.max(take, 1), MAX_PAGE).pages.length;
        // Without a known total, page 2.. of the plan waits for page 1's answer.
        const rounds =
          knownTotal || pages === 1
            ? Math.ceil(pages / limits.concurrency[seg.provider])
            : 1 + Math.ceil((pages - 1) / limits.concurrency[seg.provider]);
        add(tally, op, pages, rounds);
        break;
      }
      case 'marker': {
        // One more row than asked tells whether more follow (unless the list ends first).
        const rows = Math.min(take + 1, seg.count - localStart);
        const calls = Math.max(1, Math.ceil(rows / CSMS_MAX_LIMIT));
        add(tally, op, calls, calls);
        break;
      }
      case 'token': {
        // A NextToken on the page says whether more follow: no extra row. Each page needs the previous one's token.
        const calls = Math.max(1, Math.ceil(take / AWS_MAX_RESULTS));
        add(tally, op, calls, calls);
        break;
      }
    }
    tally.known.add(seg);
    remaining -= take;
    offset = segEnd;
  }
}

/** One page of `want` rows from the start. */
export function pageMinimum(segs: Segment[], want: number, limits: Limits): Minimum {
  const tally = newTally();
  window(tally, segs, 0, want, limits, false);
  return finish(tally);
}

/**
 * A page plus `totalCount`. Where a segment cannot count (marker or token pagination) the total is null
 * whatever else is read, so it costs nothing; otherwise every segment not yet read is counted:
 * one call each, all independent (one more round).
 */
export function pageWithTotalMinimum(segs: Segment[], want: number, limits: Limits): Minimum {
  const tally = newTally();
  window(tally, segs, 0, want, limits, false);
  if (segs.some(uncountable)) return finish(tally);
  const unread = segs.filter((s) => !tally.known.has(s));
  const before = tally.calls;
  for (const seg of unread) add(tally, `${seg.provider.toUpperCase()} ListSecrets`, 1, 0);
  if (tally.calls > before) tally.rounds += 1;
  return finish(tally);
}

/**
 * Detail (or value) calls after a page of `want` from one source: one call per `perCall` secrets
 * (1 for DescribeSecret-like calls, 20 for AWS BatchGetSecretValue), all independent.
 */
export function pageWithDetailsMinimum(
  segs: Segment[],
  want: number,
  detailOp: string,
  limits: Limits,
  perCall = 1,
): Minimum {
  const tally = newTally();
  window(tally, segs, 0, want, limits, false);
  const provider = segs[0].provider;
  const details = Math.ceil(Math.min(want, totalOf(segs)) / perCall);
  add(tally, detailOp, details, Math.ceil(details / limits.concurrency[provider]));
  return finish(tally);
}

/** A forward walk with `first: pageSize`, each page a request of its own carrying the cursor's total hint. */
export function walkMinimum(
  segs: Segment[],
  pageSize: number,
  limits: Limits,
): Minimum & { pages: number; cachedCalls: number } {
  const tally = newTally();
  const total = totalOf(segs);
  let pages = 0;
  for (let start = 0; start < total || pages === 0; start += pageSize) {
    window(tally, segs, start, pageSize, limits, start > 0);
    pages++;
  }
  // With a cross-request cache: each list once (page-number pages of the walk are distinct anyway).
  const cachedCalls =
    segs.reduce(
      (n, s) =>
        n +
        (s.paging === 'none'
          ? 1
          : s.paging === 'page-number'
            ? Math.ceil(s.count / pageSize)
            : Math.ceil(s.count / (s.paging === 'token' ? AWS_MAX_RESULTS : CSMS_MAX_LIMIT))),
      0,
    ) + (limits.discoverNamespaces && segs.some((s) => s.provider === 'sae') ? 1 : 0);
  return { ...finish(tally), pages, cachedCalls };
}

/** References to `refs` secrets of one SAE namespace: the namespace's list, once. */
export function saeEntitiesMinimum(): Minimum {
  const tally = newTally();
  add(tally, 'SAE ListSecrets', 1, 1);
  return finish(tally);
}

/**
 * References to `refs` KMS secrets spread over the whole list (every page holds some): batches of
 * 10 names, or the whole list page by page (page 1 tells the total, the rest go in parallel).
 */
export function kmsEntitiesMinimum(refs: number, total: number, limits: Limits): Minimum {
  const tally = newTally();
  const batches = Math.ceil(refs / KMS_NAME_BATCH);
  const pages = Math.ceil(total / MAX_PAGE);
  const limit = limits.concurrency.kms;
  if (pages <= batches) add(tally, 'KMS ListSecrets (pages)', pages, 1 + Math.ceil((pages - 1) / limit));
  else add(tally, 'KMS ListSecrets (name batches)', batches, Math.ceil(batches / limit));
  return finish(tally);
}

/** Indexes of `n` items spread evenly over `total`, so that every page of 100 holds some. */
export function spread(n: number, total: number): number[] {
  return Array.from({ length: Math.min(n, total) }, (_, i) => Math.floor((i * total) / Math.min(n, total)));
}

/**
 * Scenario 7, a cold full export: the fewest list calls that read every row once, and the critical
 * path of those calls (the bound). Per provider: SAE one ListSecrets per namespace, all independent
 * (⌈namespaces / concurrency⌉ rounds); page-number ⌈n/100⌉ pages, page 1 first (it tells the
 * total) and the rest in parallel (1 + ⌈(pages − 1) / concurrency⌉ rounds); CSMS a chain of
 * ⌈n/200⌉ marker pages and AWS a chain of ⌈n/100⌉ NextToken pages, each needing the one before (as
 * many rounds). Sources are independent, so
 * a multi-provider export's rounds are the longest provider's.
 */
export function exportMinimum(segs: Segment[], limits: Limits): Minimum {
  const tally = newTally();
  let rounds = 0;
  for (const provider of [...new Set(segs.map((s) => s.provider))]) {
    const own = segs.filter((s) => s.provider === provider);
    const op = `${provider.toUpperCase()} ListSecrets`;
    const concurrency = limits.concurrency[provider];
    let calls: number;
    let providerRounds: number;
    if (own[0].paging === 'none') {
      calls = own.length;
      providerRounds = Math.ceil(calls / concurrency);
    } else if (own[0].paging === 'page-number') {
      calls = Math.max(1, Math.ceil(totalOf(own) / MAX_PAGE));
      providerRounds = 1 + Math.ceil((calls - 1) / concurrency);
    } else {
      calls = Math.max(1, Math.ceil(totalOf(own) / (own[0].paging === 'token' ? AWS_MAX_RESULTS : CSMS_MAX_LIMIT)));
      providerRounds = calls;
    }
    add(tally, op, calls, 0);
    rounds = Math.max(rounds, providerRounds);
  }
  tally.rounds = rounds;
  return finish(tally);
}

/** What the hand-written SDK export reads of each provider: its namespaces, projects or region, at its concurrency. */
export function sdkExportTargets(
  urls: Record<ProviderKey, string>,
  inv: InventorySummary,
  limits: Limits,
  providers: readonly ProviderKey[] = PROVIDER_KEYS,
): SdkExportTarget[] {
  const saeNamespaces = [...inv.sae.namespaces].map((n) => n.id).sort((a, b) => a.localeCompare(b));
  const scopes: Record<ProviderKey, string[]> = {
    sae: saeNamespaces,
    apig: [],
    kms: [],
    csms: [inv.csms.projectId],
    aws: [inv.aws.region],
  };
  return providers.map((provider) => ({
    provider,
    url: urls[provider],
    scopes: scopes[provider],
    concurrency: limits.concurrency[provider],
  }));
}
