import { GraphQLError } from 'graphql';
import { Repeater } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import type { SecretFilter } from '../domain/records.js';
import type { ChangeLog, FeedChange } from '../inventory/changes.js';
import { badArgument } from '../pagination/connection.js';
import { bindingOf, cursorError } from '../pagination/cursor.js';
import {
  hasRecordFilter,
  namespaceCanMatch,
  recordTest,
  sourceCanMatch,
  type RecordTest,
} from '../pagination/filter.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination/page-size.js';
import { builder } from './builder.js';
import { lookupCost, pageCost } from './cost.js';
import { ProviderEnum } from './provider-enum.js';
import { SecretRef } from './refs.js';
import { SecretFilterInput, validateFilter } from './secret-connection.js';

/** One change as the schema shows it, with its cursor in the feed of the caller's filter. */
interface ChangeView {
  change: FeedChange;
  cursor: string;
}

interface ChangePage {
  edges: Array<{ cursor: string; node: ChangeView }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string };
  headCursor: string;
}

/** Record keys that are no field of their own: where the secret is (`ref`) and the detail a list may carry. */
const NOT_FIELDS = new Set(['provider', 'sourceId', 'namespaceId', 'key', 'detail']);

/** Feed cursors name the log's epoch: a cursor of another (a restart, a gap) must resync. */
const SEGMENT = '@changes/';

export function changesExpired(argument?: string): GraphQLError {
  return new GraphQLError(
    'the changes since this point are no longer kept: take secretChanges(first: 0) { headCursor }, read the secrets afresh (secrets), then follow the feed after that cursor',
    { extensions: { code: 'CHANGES_EXPIRED', reason: 'RESYNC_REQUIRED', ...(argument && { argument }) } },
  );
}

function changeLogOf(ctx: GatewayContext): ChangeLog {
  if (!ctx.inventory)
    throw new GraphQLError(
      'the change feed needs the inventory, which this gateway does not run (`inventory` in its configuration)',
      {
        extensions: { code: 'INVENTORY_DISABLED' },
      },
    );
  return ctx.inventory.changes;
}

/**
 * Whether the caller sees a change, and it passes the filter: outside the grant a change is never
 * seen; a DELETED change is tested on the record the index last held.
 */
function changeTest(ctx: GatewayContext, filter: SecretFilter): (change: FeedChange) => boolean {
  const bySource = new Map<string, RecordTest | null | false>();
  return (change) => {
    let test = bySource.get(change.sourceId);
    if (test === undefined) {
      const source = ctx.sources.get(change.sourceId);
      const facets = source && ctx.catalog.get(source.provider).facets;
      test =
        !source || !facets || !sourceCanMatch(source, filter)
          ? false
          : hasRecordFilter(filter)
            ? recordTest(filter, (record) => facets(record))
            : null;
      bySource.set(change.sourceId, test);
    }
    if (test === false) return false;
    if (!ctx.sources.allows(change.sourceId, change.namespaceId) || !namespaceCanMatch(change.namespaceId, filter))
      return false;
    return test === null || test(change.record);
  };
}

/** Where the feed stands for one caller and filter: cursors bind both, like those of `secrets`. */
function feedOf(ctx: GatewayContext, filterArg: SecretFilter | null | undefined) {
  const log = changeLogOf(ctx);
  const filter = validateFilter(filterArg);
  const binding = bindingOf({ c: 'secretChanges', f: filter, g: ctx.grant.digest });
  const epoch = log.epoch;
  return {
    log,
    keep: changeTest(ctx, filter),
    cursorAt: (seq: number) => ctx.cursors.encode(binding, { s: `${SEGMENT}${epoch}`, p: seq }),
    /** The seq a cursor stands at; CHANGES_EXPIRED when it counts in another epoch. */
    seqOf(cursor: string, argument: string): number {
      const { s, p } = ctx.cursors.decode(cursor, binding, argument);
      if (!s.startsWith(SEGMENT) || typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0)
        throw cursorError('MALFORMED_CURSOR', argument);
      if (s.slice(SEGMENT.length) !== epoch) throw changesExpired(argument);
      return p;
    },
  };
}

function pageSizeOf(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE)
    throw badArgument(`"first" must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  return first;
}

/**
 * A page of the feed, oldest first: after the cursor, from `since`, or from the oldest change kept.
 * `endCursor` is where the next page starts (ChangeLog.page), even when the page is empty.
 */
function changesPage(
  ctx: GatewayContext,
  args: { first?: number | null; after?: string | null; since?: Date | null; filter?: SecretFilter | null },
): ChangePage {
  const want = pageSizeOf(args.first);
  if (args.after && args.since) throw badArgument('pass "after" or "since", not both', 'since');
  const feed = feedOf(ctx, args.filter);
  let from: number;
  if (args.after) from = feed.seqOf(args.after, 'after');
  else if (args.since) {
    if (args.since < feed.log.keptSince) throw changesExpired('since');
    from = feed.log.seqBefore(args.since);
  } else from = feed.log.floor;
  const page = feed.log.page(from, want, feed.keep);
  if (!page) throw changesExpired(args.after ? 'after' : undefined);
  const edges = page.changes.map((change) => {
    const cursor = feed.cursorAt(change.seq);
    return { cursor, node: { change, cursor } };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: page.more,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: feed.cursorAt(page.end),
    },
    headCursor: feed.cursorAt(feed.log.head),
  };
}

/** A subscription's items: a change, or the error that ends it. */
type FeedItem = { view: ChangeView } | { end: GraphQLError };

// setTimeout fires at once beyond this; a longer wait is taken in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The changes after `from` that `keep` accepts, as they are appended, one at a time as the client
 * takes them: the subscriber reads the log at its own pace, and none is queued for it. Ends with an
 * error item when the log drops what it has not read yet, or has a gap (resync), or when the
 * caller's credential expires.
 */
function follow(ctx: GatewayContext, feed: ReturnType<typeof feedOf>, from: number): AsyncIterable<FeedItem> {
  const { log } = feed;
  const epoch = log.epoch;
  return new Repeater<FeedItem>(async (push, stop) => {
    let wake = () => {};
    let stopped = false;
    let expiry: NodeJS.Timeout | undefined;
    const offChanges = log.subscribe(() => wake());
    const offGaps = log.onGap(() => wake());
    const credentialExpired = () => ctx.validUntil !== null && Date.now() >= ctx.validUntil;
    const armExpiry = () => {
      if (ctx.validUntil === null) return;
      expiry = setTimeout(
        () => (credentialExpired() ? wake() : armExpiry()),
        Math.min(MAX_TIMER_MS, Math.max(0, ctx.validUntil - Date.now())),
      );
    };
    armExpiry();
    stop.then(() => {
      stopped = true;
      wake();
    });
    try {
      let seq = from;
      while (!stopped) {
        const rest = log.epoch === epoch ? log.after(seq) : null;
        const end = credentialExpired() ? tokenExpired() : rest === null ? changesExpired() : null;
        if (end) {
          await push({ end });
          break;
        }
        for (const change of rest!) {
          if (stopped || log.epoch !== epoch || credentialExpired()) break;
          seq = change.seq;
          if (feed.keep(change)) await push({ view: { change, cursor: feed.cursorAt(change.seq) } });
        }
        if (stopped || log.head > seq || log.epoch !== epoch || credentialExpired()) continue;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      offChanges();
      offGaps();
      clearTimeout(expiry);
      stop();
    }
  });
}

function tokenExpired(): GraphQLError {
  return new GraphQLError(
    'the credential this subscription was made with has expired: subscribe again with a new one',
    {
      extensions: { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' },
    },
  );
}

const SecretChangeKindEnum = builder.enumType('SecretChangeKind', {
  values: {
    CREATED: { description: 'A secret the previous sync did not list.' },
    UPDATED: { description: 'A listed secret whose list record differs (see changedFields).' },
    DELETED: { description: 'A secret the sync no longer found (or whose namespace is gone).' },
  } as const,
});

const SecretChangeRefType = builder.objectRef<FeedChange>('SecretChangeRef').implement({
  description: 'Which secret changed: enough to find it, or to remove it from a copy once deleted.',
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (c) => c.record.provider }),
    sourceId: t.exposeID('sourceId'),
    namespaceId: t.exposeString('namespaceId'),
    name: t.string({ resolve: (c) => c.record.name }),
  }),
});

const SecretChangeType = builder.objectRef<ChangeView>('SecretChange').implement({
  description:
    'What one inventory sync found different in one secret (README "The change feed"). Values never appear in a change; `secret` resolves like any secret, so value fields need the reveal scope and read the cloud now.',
  fields: (t) => ({
    kind: t.field({ type: SecretChangeKindEnum, resolve: (v) => v.change.kind }),
    at: t.field({
      type: 'DateTime',
      description:
        "When the gateway found the change: the end of the sync that saw it (the cloud's change came before).",
      resolve: (v) => v.change.at,
    }),
    secret: t.field({
      type: SecretRef,
      nullable: true,
      description:
        'The secret as that sync listed it; null when DELETED. Fields the list does not carry (details, values) are read from the cloud now.',
      resolve: (v) => (v.change.kind === 'DELETED' ? null : v.change.record),
    }),
    ref: t.field({ type: SecretChangeRefType, resolve: (v) => v.change }),
    changedFields: t.stringList({
      description:
        "The fields of the secret's list record that changed (UPDATED), or that it carried (CREATED, DELETED), by their names on the secret's type.",
      resolve: (v) => v.change.changedFields.filter((field) => !NOT_FIELDS.has(field)),
    }),
    cursor: t.string({
      description:
        'Its place in secretChanges with the same filter: `after` there (or in secretChanged) resumes right after it.',
      resolve: (v) => v.cursor,
    }),
  }),
});

const SecretChangeEdgeType = builder.objectRef<ChangePage['edges'][number]>('SecretChangeEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: SecretChangeType, resolve: (e) => e.node }),
  }),
});

const SecretChangeConnectionType = builder.objectRef<ChangePage>('SecretChangeConnection').implement({
  description: 'A page of the change feed, oldest change first.',
  fields: (t) => ({
    edges: t.field({ type: [SecretChangeEdgeType], resolve: (p) => p.edges }),
    nodes: t.field({ type: [SecretChangeType], resolve: (p) => p.edges.map((e) => e.node) }),
    pageInfo: t.field({
      type: builder.pageInfoRef(),
      description:
        'endCursor is never null: it stands past every change this page looked at, so a client polling with it misses nothing and sees nothing twice, even after empty pages.',
      resolve: (p) => p.pageInfo,
    }),
    headCursor: t.string({
      description:
        'A cursor at the newest change now, wherever this page stands: `after` it comes only what is found later. Take it before reading the secrets afresh, then follow the feed from it.',
      resolve: (p) => p.headCursor,
    }),
  }),
});

const filterArg = (description: string) => ({ type: SecretFilterInput, description }) as const;

builder.queryField('secretChanges', (t) =>
  t.field({
    type: SecretChangeConnectionType,
    description:
      "The change feed: every change the inventory's syncs found, within the caller's grant and the filter, oldest first, each once. Kept for the configured retention; an older cursor (or `since`) fails with CHANGES_EXPIRED (reason RESYNC_REQUIRED). To follow from now: `secretChanges(first: 0) { headCursor }`.",
    args: {
      first: t.arg.int({
        description: `At most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}); 0 for no changes, only the cursors.`,
      }),
      after: t.arg.string({
        description: 'A cursor from this feed (an edge, pageInfo.endCursor or a SecretChange.cursor).',
      }),
      since: t.arg({
        type: 'DateTime',
        description: 'Start at the first change found at or after this instant (instead of `after`).',
      }),
      filter: t.arg(
        filterArg(
          'Applied to the record after the change (the last one known for DELETED): a secret that stops matching shows no change here.',
        ),
      ),
    },
    complexity: pageCost,
    resolve: (_r, args, ctx) => changesPage(ctx, args),
  }),
);

builder.subscriptionField('secretChanged', (t) =>
  t.field({
    type: SecretChangeType,
    description:
      "Each change as a sync finds it, within the caller's grant and the filter (GraphQL over SSE: Accept: text/event-stream). Ends with a CHANGES_EXPIRED error when the subscriber must resync, and with UNAUTHENTICATED (TOKEN_EXPIRED) when its token expires.",
    args: {
      filter: t.arg(filterArg('As in secretChanges.')),
      after: t.arg.string({
        description:
          'Replay the changes after this cursor of secretChanges (same filter) first, then go on live: nothing is lost between a poll and the subscription.',
      }),
    },
    complexity: lookupCost(1),
    subscribe: (_r, args, ctx) => {
      const feed = feedOf(ctx, args.filter);
      const from = args.after ? feed.seqOf(args.after, 'after') : feed.log.head;
      if (!feed.log.after(from)) throw changesExpired('after');
      return follow(ctx, feed, from);
    },
    resolve: (item: FeedItem) => {
      if ('end' in item) throw item.end;
      return item.view;
    },
  }),
);
