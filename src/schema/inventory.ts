import type { SourceSyncStatus } from '../inventory/inventory.js';
import { eachSelected, summed } from '../inventory/query.js';
import { builder } from './builder.js';
import { type Collection, collect } from './collected-connection.js';
import { listCost } from './cost.js';
import { ProviderEnum } from './provider-enum.js';
import { SourceRef } from './refs.js';
import { SecretFilterInput, validateFilter } from './secret-connection.js';

const InventoryStateEnum = builder.enumType('InventoryState', {
  values: {
    SYNCING: { description: 'The first sync has not finished: reads go to the cloud.' },
    FRESH: { description: 'Synced within two periods: reads are served from the index, with no cloud call.' },
    STALE: { description: 'Not synced for two periods: reads go to the cloud until a sync succeeds.' },
    FAILED: { description: 'The last sync failed (see lastError): reads go to the cloud until one succeeds.' },
  } as const,
});

const SyncErrorType = builder.objectRef<{ code: string; message: string }>('SyncError').implement({
  description: "Why a source's last sync failed.",
  fields: (t) => ({
    code: t.exposeString('code', { description: 'As in `errors[].extensions.code` (UPSTREAM_THROTTLED, …).' }),
    message: t.exposeString('message'),
  }),
});

const SourceSyncType = builder.objectRef<SourceSyncStatus>('SourceSync').implement({
  description: "One source's index.",
  fields: (t) => ({
    source: t.field({ type: SourceRef, resolve: (s) => s.source }),
    state: t.field({ type: InventoryStateEnum, resolve: (s) => s.state }),
    syncedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the index was last made whole; null before the first sync.',
      resolve: (s) => s.syncedAt,
    }),
    secretCount: t.int({ nullable: true, resolve: (s) => s.secretCount }),
    lastError: t.field({ type: SyncErrorType, nullable: true, resolve: (s) => s.lastError }),
    listCalls: t.int({
      nullable: true,
      description: 'ListSecrets calls the last successful sync made.',
      resolve: (s) => s.listCalls,
    }),
  }),
});

const InventoryType = builder.objectRef<{ sources: SourceSyncStatus[] }>('Inventory').implement({
  description: 'The synced index of every source that has one (README "The inventory").',
  fields: (t) => ({
    sources: t.field({ type: [SourceSyncType], resolve: (i) => i.sources }),
  }),
});

interface Counts {
  total: number;
  byProvider: Array<{ provider: string; count: number }>;
  bySource: Array<{ sourceId: string; count: number }>;
  byState: Array<{ state: string | null; count: number }>;
}

const ProviderCountType = builder.objectRef<Counts['byProvider'][number]>('ProviderCount').implement({
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (c) => c.provider }),
    count: t.exposeInt('count'),
  }),
});
const SourceCountType = builder.objectRef<Counts['bySource'][number]>('SourceCount').implement({
  fields: (t) => ({
    source: t.field({ type: SourceRef, resolve: (c, _a, ctx) => ctx.sources.get(c.sourceId)! }),
    count: t.exposeInt('count'),
  }),
});
const StateCountType = builder.objectRef<Counts['byState'][number]>('StateCount').implement({
  fields: (t) => ({
    state: t.string({
      nullable: true,
      description: 'CSMS state or APIG status; null for providers whose secrets have none.',
      resolve: (c) => c.state,
    }),
    count: t.exposeInt('count'),
  }),
});

const SecretCountsType = builder.objectRef<Counts>('SecretCounts').implement({
  description: 'Counts over every secret the caller may see that matches the filter.',
  fields: (t) => ({
    total: t.exposeInt('total'),
    byProvider: t.field({ type: [ProviderCountType], resolve: (c) => c.byProvider }),
    bySource: t.field({ type: [SourceCountType], resolve: (c) => c.bySource }),
    byState: t.field({ type: [StateCountType], resolve: (c) => c.byState }),
  }),
});

function tally<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function countsOf({ set, selection }: Collection): Counts {
  const providers = new Map<string, number>();
  const sources = new Map<string, number>();
  const states = new Map<string | null, number>();
  let total = 0;
  eachSelected(set, selection, (entry) => {
    total++;
    tally(providers, entry.record.provider);
    tally(sources, entry.record.sourceId);
    tally(states, entry.state);
  });
  return {
    total,
    byProvider: [...providers].map(([provider, count]) => ({ provider, count })),
    bySource: [...sources].map(([sourceId, count]) => ({ sourceId, count })),
    byState: [...states].map(([state, count]) => ({ state, count })),
  };
}

builder.queryFields((t) => ({
  inventory: t.field({
    type: InventoryType,
    nullable: true,
    description:
      "How each source's index stands; null when the gateway has no inventory. Only sources the caller may see.",
    resolve: (_r, _a, ctx) =>
      ctx.inventory && {
        sources: ctx.sources.list.flatMap((source) => {
          const status = ctx.inventory!.status(source.id);
          return status ? [status] : [];
        }),
      },
  }),
  secretCounts: t.field({
    type: SecretCountsType,
    description:
      "Counts for portal dashboards, within the caller's grant. Served from the inventory; a source without a fresh index is read whole, live, for it.",
    args: { filter: t.arg({ type: SecretFilterInput }) },
    complexity: (_a, ctx) => ({ field: ctx.sources.list.length, multiplier: listCost.multiplier }),
    resolve: async (_r, args, ctx) => {
      const filter = validateFilter(args.filter);
      const collection = await collect(ctx, ctx.sources.list, filter, [], { live: false });
      const counts = () => countsOf(collection);
      return collection.selectionKey === null
        ? counts()
        : summed(collection.set, `counts|${collection.selectionKey}`, counts);
    },
  }),
}));
