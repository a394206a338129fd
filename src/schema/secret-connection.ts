import type { ArgBuilder } from '@pothos/core';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import {
  badArgument,
  parseSegmentKey,
  paginate,
  segmentKey,
  type ConnectionArgs,
  type ConnectionPage,
  type PageInterruption,
  type SegmentGroup,
  type SegmentState,
} from '../pagination/connection.js';
import { bindingOf } from '../pagination/cursor.js';
import { hasRecordFilter, namespaceCanMatch, recordTest, sourceCanMatch } from '../pagination/filter.js';
import type { SecretFilter, SecretOrder, SecretRecord } from '../domain/records.js';
import { IndexPager } from '../inventory/index-pager.js';
import { pageRequest } from '../pagination/connection/args.js';
import { collectedMode, collectedPage } from './collected-connection.js';
import type { SecretSource } from '../sources/types.js';
import { builder, type Types } from './builder.js';
import { SecretRef } from './refs.js';
import { ProviderEnum, SecretFilterProviderEnum } from './provider-enum.js';

export const GatewayTypeEnum = builder.enumType('GatewayType', { values: ['AI', 'API'] as const });

const TagFilterInput = builder.inputType('TagFilter', {
  fields: (t) => ({
    key: t.string({ required: true }),
    value: t.string({ description: 'Any value when absent.' }),
  }),
});

export const SecretFilterInput = builder.inputType('SecretFilter', {
  description:
    'Every field narrows the result (AND); the values of a list field are alternatives (OR). Pushed down to the provider where its API can filter (APIG nameLike and gatewayType, KMS Filters), checked in the gateway otherwise. A source whose secrets lack a filtered field is skipped without a call.',
  fields: (t) => ({
    nameContains: t.string({ description: 'Case-insensitive substring of the name.' }),
    names: t.stringList({ description: 'Exact names.' }),
    types: t.stringList({ description: 'SecretType (SAE, KMS). Excludes APIG and CSMS, whose lists carry no type.' }),
    providers: t.field({ type: [SecretFilterProviderEnum] }),
    sources: t.idList({ description: 'Source ids from the configuration.' }),
    namespaces: t.stringList({
      description: 'Namespace ids: SAE namespace ids, KMS/APIG region ids, CSMS project ids.',
    }),
    states: t.stringList({
      description: 'CSMS state (ENABLED, DISABLED, PENDING_DELETE, FROZEN) or APIG status (ENABLE, DISABLE).',
    }),
    gatewayType: t.field({ type: GatewayTypeEnum, description: 'APIG gateway type.' }),
    tags: t.field({ type: [TagFilterInput], description: 'KMS tags; a secret must carry every one.' }),
    search: t.string({
      description:
        'Case-insensitive substring of the name, the description (where the list carries one: CSMS, AWS) or a tag key or value. Served from the inventory; on a live read, checked in the gateway.',
    }),
    updatedBefore: t.field({ type: 'DateTime', description: 'Last changed before this instant.' }),
    updatedAfter: t.field({ type: 'DateTime', description: 'Last changed at or after this instant.' }),
    createdBefore: t.field({ type: 'DateTime', description: 'Created before this instant.' }),
    createdAfter: t.field({ type: 'DateTime', description: 'Created at or after this instant.' }),
  }),
});

const SecretOrderFieldEnum = builder.enumType('SecretOrderField', {
  values: {
    NAME: { description: 'Case-insensitive.' },
    CREATED_AT: { description: 'Secrets without the time come last.' },
    UPDATED_AT: { description: 'Secrets without the time come last.' },
    PROVIDER: {},
    SOURCE: { description: 'The source id.' },
  } as const,
});

const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

export const SecretOrderInput = builder.inputType('SecretOrder', {
  description:
    'One key of a global order across every source in scope. Ties go by the default order (sources as configured, then namespaces, then each secret in the order its source first listed it), so the order is total and cursors hold under it.',
  fields: (t) => ({
    field: t.field({ type: SecretOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, defaultValue: 'ASC' }),
  }),
});

/** The arguments every secrets connection takes besides the Relay ones. */
export const secretConnectionArgs = (arg: ArgBuilder<Types>) => ({
  filter: arg({ type: SecretFilterInput }),
  orderBy: arg({
    type: [SecretOrderInput],
    description:
      'A global order across sources (at most 3 keys). Served from the inventory; sources without a fresh index are read whole, live, for it.',
  }),
  live: arg.boolean({
    description:
      'Read the clouds now instead of the inventory, at live cost (README "The inventory"). Without `orderBy`, pages walk the providers as without an inventory.',
  }),
});

const SourceStatusEnum = builder.enumType('SourceStatus', {
  values: {
    OK: { description: 'Answered.' },
    DEGRADED: { description: 'Answered, but only after retries (throttling, timeouts or server errors).' },
    FAILED: { description: 'Did not answer; see `errors` for the typed error.' },
  } as const,
});

const SourceStateType = builder.objectRef<SegmentState>('SourceState').implement({
  description: 'How one source (and namespace) fared while this connection was read.',
  fields: (t) => ({
    source: t.exposeID('sourceId'),
    provider: t.field({ type: ProviderEnum, resolve: (s) => s.provider }),
    namespace: t.exposeString('namespaceId', { nullable: true }),
    status: t.field({ type: SourceStatusEnum, resolve: (s) => s.status }),
    code: t.string({ nullable: true, resolve: (s) => s.error?.info.code ?? null }),
    providerCode: t.string({ nullable: true, resolve: (s) => s.error?.info.providerCode ?? null }),
    retryable: t.boolean({ nullable: true, resolve: (s) => s.error?.info.retryable ?? null }),
    retryAfterMs: t.int({
      nullable: true,
      description: 'For a retryable failure: milliseconds to wait before asking again, as in `errors[].extensions`.',
      resolve: (s) => s.error?.info.retryAfterMs ?? null,
    }),
  }),
});

const PageInterruptionType = builder.objectRef<PageInterruption>('PageInterruption').implement({
  description:
    'Why a page ended before it was full: the source that failed. The page holds what came before it, `hasNextPage` (`hasPreviousPage` backward) is true, and `endCursor` (`startCursor` backward) retries that source: nothing past it was skipped. To go on without it, leave it out with `filter.sources` or `filter.providers` (a new walk).',
  fields: (t) => ({
    source: t.id({ resolve: (i) => i.state.sourceId }),
    provider: t.field({ type: ProviderEnum, resolve: (i) => i.state.provider }),
    namespace: t.string({
      nullable: true,
      description: "Null when listing the source's namespaces failed.",
      resolve: (i) => i.state.namespaceId,
    }),
    code: t.string({
      description:
        "The gateway's code, as in `errors[].extensions.code` (UPSTREAM_THROTTLED, UPSTREAM_UNAVAILABLE, …).",
      resolve: (i) => i.state.error.info.code,
    }),
    message: t.string({ resolve: (i) => i.state.error.message }),
    retryable: t.boolean({
      description: 'Whether asking again may succeed (throttling, timeouts, server errors).',
      resolve: (i) => i.state.error.info.retryable,
    }),
    retryAfterMs: t.int({
      nullable: true,
      description:
        "When retryable: milliseconds to wait before asking again with `endCursor` (the provider's own wait, the rate limit's, or the time until an open circuit breaker lets a call through), as in `errors[].extensions.retryAfterMs`. Null when not retryable.",
      resolve: (i) => i.state.error.info.retryAfterMs ?? null,
    }),
  }),
});

export const SecretConnectionRef = builder.connectionObject(
  {
    type: SecretRef,
    name: 'SecretConnection',
    fields: (t) => ({
      totalCount: t.int({
        nullable: true,
        description:
          'Matching secrets across the connection, where every provider reports a count (KMS, APIG, SAE). Null when a filter must be applied in the gateway on a paged provider, or for CSMS.',
        resolve: (page) => page.totalCount(),
      }),
      asOf: t.field({
        type: 'DateTime',
        nullable: true,
        description:
          'How fresh the page is: the oldest inventory sync it was served from; null when every source was read live.',
        resolve: (page) => page.asOf ?? null,
      }),
      interruption: t.field({
        type: PageInterruptionType,
        nullable: true,
        description: 'Set when a source failed and the page stopped before it; null when the page is whole.',
        resolve: (page) => page.interruption,
      }),
      sourceStates: t.field({
        type: [SourceStateType],
        description: 'Each source and namespace this page read, and whether it answered.',
        resolve: (page) => page.states,
      }),
    }),
  },
  { name: 'SecretEdge' },
);

const MAX_FILTER_VALUES = 100;
const MAX_TEXT = 256;

/** Rejects filters no provider could mean, before anything is called. */
export function validateFilter(filter: SecretFilter | null | undefined): SecretFilter {
  const out = filter ?? {};
  const texts: Array<[string, string]> = [];
  for (const [field, value] of Object.entries(out)) {
    if (Array.isArray(value)) {
      if (value.length > MAX_FILTER_VALUES)
        throw badArgument(`filter.${field} takes at most ${MAX_FILTER_VALUES} values`, `filter.${field}`);
      for (const v of value) {
        if (typeof v === 'string') texts.push([field, v]);
        else if (v && typeof v === 'object')
          for (const inner of Object.values(v)) if (typeof inner === 'string') texts.push([field, inner]);
      }
    } else if (typeof value === 'string') texts.push([field, value]);
  }
  for (const [field, text] of texts) {
    if (text.length > MAX_TEXT)
      throw badArgument(`filter.${field} values are at most ${MAX_TEXT} characters`, `filter.${field}`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    if (/[\u0000-\u001f\u007f]/.test(text))
      throw badArgument(`filter.${field} must not contain control characters`, `filter.${field}`);
  }
  return out;
}

/**
 * Segment groups for the given sources (one namespace when `namespaceId` is given), in walk order.
 * A source whose index is fresh is read from it (0 calls), the others from the provider, so that
 * one stale or failed source costs only its own calls. A source keeps the mode the request's cursor
 * was made in: a walk begun on its index stays on it, one begun live stays live. `asOf`: the oldest
 * sync of the indexes used; null when every source is read live.
 */
export function secretGroups(
  ctx: GatewayContext,
  sources: readonly SecretSource[],
  filter: SecretFilter,
  options: { namespaceId?: string; live?: boolean; cursorSegment?: string | null } = {},
): { groups: SegmentGroup[]; asOf: Date | null } {
  const { namespaceId, live = false, cursorSegment = null } = options;
  const inventory = ctx.inventory;
  const cursorKey = cursorSegment === null ? null : parseSegmentKey(cursorSegment);
  const indexOf = (source: SecretSource) => {
    if (!inventory) return null;
    if (cursorKey?.sourceId === source.id)
      return cursorKey.fromIndex && inventory.syncedAt(source.id) ? inventory.indexOf(source.id) : null;
    return live ? null : inventory.fresh(source.id);
  };
  let asOf: Date | null = null;
  const groups = sources
    .filter((source) => sourceCanMatch(source, filter))
    .map((source): SegmentGroup => {
      const facets = (record: SecretRecord) => ctx.catalog.get(source.provider).facets(record);
      const index = indexOf(source);
      const inScope = (ids: string[]) => ids.filter((id) => namespaceCanMatch(id, filter));
      if (index) {
        const syncedAt = inventory!.syncedAt(source.id)!;
        if (!asOf || syncedAt < asOf) asOf = syncedAt;
        const test = hasRecordFilter(filter) ? recordTest(filter, facets) : null;
        return {
          sourceId: source.id,
          provider: source.provider,
          countable: true,
          async segments() {
            // The grant applies here: this path does not go through the request's (guarded) loaders.
            const ids = namespaceId !== undefined ? [namespaceId] : index.namespaces.map((ns) => ns.id);
            return inScope(ids.filter((id) => ctx.sources.allows(source.id, id))).map((id) => ({
              key: segmentKey(source.id, id, true),
              sourceId: source.id,
              namespaceId: id,
              pager: () => new IndexPager(index, id, test),
            }));
          },
        };
      }
      const { query, complete } = source.pushdown(filter);
      const residual = complete ? null : recordTest(filter, facets);
      const cache = ctx.cachePolicy(source.id);
      const read = { live };
      return {
        sourceId: source.id,
        provider: source.provider,
        countable: source.paging.countable(residual),
        async segments() {
          const ids =
            namespaceId !== undefined ? [namespaceId] : (await ctx.loaders.namespaces(source, read)).map((ns) => ns.id);
          return inScope(ids).map((id) => ({
            key: segmentKey(source.id, id),
            sourceId: source.id,
            namespaceId: id,
            pager: () =>
              source.paging.pager(ctx.loaders.fetchers(source, id, query, read), residual, {
                readAhead: cache.ttlMs > 0 && cache.readAhead,
                compatibleCursors: ctx.cursors.compatible,
              }),
          }));
        },
      };
    });
  return { groups, asOf };
}

const MAX_ORDER_KEYS = 3;

type OrderArg = { field: SecretOrder['field']; direction?: SecretOrder['direction'] | null };

function validateOrder(orderBy: ReadonlyArray<OrderArg> | null | undefined): SecretOrder[] {
  const orders = (orderBy ?? []).map((o): SecretOrder => ({ field: o.field, direction: o.direction ?? 'ASC' }));
  if (orders.length > MAX_ORDER_KEYS) throw badArgument(`"orderBy" takes at most ${MAX_ORDER_KEYS} keys`, 'orderBy');
  if (new Set(orders.map((o) => o.field)).size < orders.length)
    throw badArgument('"orderBy" names a field twice', 'orderBy');
  return orders;
}

/** The bindings of pages without filter or order (most of them), per connection and grant. */
const plainBindings = new Map<string, string>();

/** A cursor is good only for the connection, filter, order and grant (what the caller may see) it came from. */
function bindingFor(connection: string, filter: SecretFilter, orders: SecretOrder[], grantDigest: string): string {
  const binding = () =>
    bindingOf({ c: connection, f: filter, g: grantDigest, o: orders.length > 0 ? orders : undefined });
  if (orders.length > 0 || Object.keys(filter).length > 0) return binding();
  const key = `${connection}\n${grantDigest}`;
  let plain = plainBindings.get(key);
  if (plain === undefined) {
    // Connections differ per source and namespace, grants per caller: keep the memo small.
    if (plainBindings.size >= 1000) plainBindings.clear();
    plainBindings.set(key, (plain = binding()));
  }
  return plain;
}

/**
 * Runs a secrets connection and reports failed sources as errors beside the data. Pages come from the
 * collected set (the inventory, or live scans for an order) when a global order is asked or every
 * source in scope has a fresh index; otherwise from a walk of the providers, as without an inventory.
 */
export async function resolveSecretConnection(
  ctx: GatewayContext,
  info: GraphQLResolveInfo,
  scope: { connection: string; sources: readonly SecretSource[]; namespaceId?: string },
  args: ConnectionArgs & {
    filter?: SecretFilter | null;
    orderBy?: ReadonlyArray<OrderArg> | null;
    live?: boolean | null;
  },
): Promise<ConnectionPage> {
  const filter = validateFilter(args.filter);
  const orders = validateOrder(args.orderBy);
  const binding = bindingFor(scope.connection, filter, orders, ctx.grant.digest);
  const request = pageRequest(args, ctx.cursors, binding);
  if (collectedMode(ctx, scope.sources, filter, orders, args, request.cursor?.s ?? null))
    return collectedPage(ctx, scope.sources, filter, orders, args, request, binding, scope.namespaceId);
  const { groups, asOf } = secretGroups(ctx, scope.sources, filter, {
    namespaceId: scope.namespaceId,
    live: !!args.live,
    cursorSegment: request.cursor?.s ?? null,
  });
  const page = await paginate({ groups, args, codec: ctx.cursors, binding, request });
  page.asOf = asOf;
  for (const state of page.states) {
    if (state.error)
      ctx.partialErrors.push(
        new GraphQLError(state.error.message, { path: pathOf(info), extensions: state.error.extensions }),
      );
    else if (ctx.scope.retries.get(state.sourceId)) state.status = 'DEGRADED';
  }
  return page;
}

export function pathOf(info: GraphQLResolveInfo): Array<string | number> {
  const path: Array<string | number> = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) path.unshift(p.key);
  return path;
}
