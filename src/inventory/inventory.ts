import type { InventoryPolicy } from '../config.js';
import type { NamespaceRecord, RecordFacets, SecretOrder, SecretRecord } from '../domain/records.js';
import type { Logger } from '../logger.js';
import type { SecretSource } from '../sources/types.js';
import { UpstreamError } from '../upstream/errors.js';
import { ChangeLog } from './changes.js';
import { entryOf, prepareSearch, sortEntries, type Entry, type SortedSet } from './query.js';
import { SourceIndex, type SecretChangeRecord } from './source-index.js';
import { readSource } from './sync.js';
import { SyncPages } from './sync-pages.js';

export type InventoryState = 'SYNCING' | 'FRESH' | 'STALE' | 'FAILED';

/** How long creations and updates found on a sync's pages are gathered before they are applied (one sort, one fleet entry). */
const FOUND_DELAY_MS = 200;
/** Rows of a page compared as it comes; a larger one (a namespace listed in one call) waits for the sync's diff, in slices. */
const FOUND_PAGE_MAX = 1000;

/** How one source's sync stands (`inventory { sources }`). */
export interface SourceSyncStatus {
  source: SecretSource;
  state: InventoryState;
  /** When the index was last made whole (its last successful sync); null before the first. */
  syncedAt: Date | null;
  secretCount: number | null;
  /** Why the last sync failed; null when it did not. */
  lastError: { code: string; message: string } | null;
  /** ListSecrets calls of the last successful sync. */
  listCalls: number | null;
  /** ListSecrets calls of every sync since start. */
  totalListCalls: number;
}

/** One sync's outcome, as the replica that made it applies it (and, in a fleet, every other replica). */
export interface SyncOutcome {
  sourceId: string;
  at: Date;
  listCalls: number;
  /** Namespaces and lists as read; present on a local sync. */
  read?: { namespaces: NamespaceRecord[]; lists: Map<string, SecretRecord[]>; matched?: WeakSet<SecretRecord> };
  /** The changes found (a replica that did not sync applies these). */
  changes?: SecretChangeRecord[];
  /** A local read's changes, compared ahead of `apply` against the index at `version`. */
  diffed?: { version: number; changes: SecretChangeRecord[] };
  namespaces?: NamespaceRecord[];
  error?: { code: string; message: string };
  /**
   * Creations and updates a sync's pages showed while it ran (`changes`, dated when found): applied
   * to the index and the feed at once; the sync's own outcome follows with the rest (deletions).
   */
  partial?: true;
}

/**
 * Who syncs which source, and how the others learn of it. Without a fleet every replica syncs for
 * itself; src/inventory/fleet.ts (Redis) elects one replica per source and streams its changes.
 */
export interface SyncCoordinator {
  /** Whether this replica makes the next sync of the source (the lease holder, or every replica alone). */
  shouldSync(sourceId: string): Promise<boolean>;
  /**
   * Shares what this replica's read found (`outcome.read`, or its error). In a fleet it goes to the
   * stream and every replica, this one too, applies it as it reads it back (with the stream's seq);
   * resolves with the outcome as applied. Null when it cannot be shared (Redis away): the replica
   * then applies it alone.
   */
  publish(outcome: SyncOutcome): Promise<SyncOutcome | null>;
  stop(): Promise<void>;
}

interface Tracked {
  source: SecretSource;
  policy: InventoryPolicy;
  position: number;
  index: SourceIndex;
  baselined: boolean;
  syncedAt: Date | null;
  /** When the last successful sync was applied (ms): freshness counts from here, not from its start. */
  completedAt: number | null;
  syncing: boolean;
  lastError: { code: string; message: string } | null;
  listCalls: number | null;
  totalListCalls: number;
  failures: number;
  timer: NodeJS.Timeout | null;
  /** Share of a period added once, after the first sync, to spread the sources' syncs apart. */
  phase: number;
  /** The index as entries of the sorted sets, built once per index version. */
  entries: { version: number; list: Entry[] } | null;
  /** The pages of the source's first sync (until a sync has succeeded), offered to live reads of it. */
  firstPages: SyncPages | null;
  /**
   * Which entry the index last took changes from: a sync's start (ms), or `found <ms>` for changes
   * found on a running sync's pages. The same on every replica of a fleet that applied it (the stream
   * carries it; a snapshot says which sync it is), unlike `version`.
   */
  contentOf: string | null;
  /** Creations and updates found on the running sync's pages, not applied yet, by namespace and key. */
  found: Map<string, SecretChangeRecord>;
  foundTimer: NodeJS.Timeout | null;
  /** The applies of what was found so far, one after another. */
  applyingFound: Promise<unknown>;
  /** What the running sync's pages changed, as applied: its outcome reports them with the rest. */
  appliedFound: SecretChangeRecord[];
}

/**
 * The synced index of every source that has one: a background sync per source every `refreshMs`,
 * with list calls only and only free capacity; reads are served from it while it is fresh. Each
 * sync's differences go to the change feed (`changes`); the first sync is the baseline and records none.
 */
export class Inventory {
  readonly changes: ChangeLog;
  private readonly tracked = new Map<string, Tracked>();
  private stopped = true;
  private readonly sortedSets = new Map<string, SortedSet>();
  private sortedVersion = '';
  /** Every source's entries, for the sorted sets of `sortedVersion`: each order sorts the same objects. */
  private allEntries: Entry[] | null = null;
  private readonly facets: (record: SecretRecord) => RecordFacets;
  private coordinator: SyncCoordinator | null = null;

  constructor(
    /** `position`: the source's place in the configuration, the first key of the default order. */
    sources: ReadonlyArray<{ source: SecretSource; policy: InventoryPolicy; position: number }>,
    private readonly logger: Logger,
    options: {
      retentionMs: number;
      /** What the feed's seqs count in: the fleet's stream, the same on every replica (so cursors work on any). */
      feedName?: string;
      /** Each record's provider's facets (tags, state): what search and counts read beside the shared fields. */
      facets?: (record: SecretRecord) => RecordFacets;
    },
  ) {
    this.facets = options.facets ?? (() => ({}));
    this.changes = new ChangeLog(options.retentionMs, { name: options.feedName });
    for (const { source, policy, position } of sources)
      this.tracked.set(source.id, {
        source,
        policy,
        position,
        index: new SourceIndex(source.id),
        baselined: false,
        syncedAt: null,
        completedAt: null,
        syncing: false,
        lastError: null,
        listCalls: null,
        totalListCalls: 0,
        failures: 0,
        timer: null,
        phase: 0,
        entries: null,
        firstPages: null,
        contentOf: null,
        found: new Map(),
        foundTimer: null,
        applyingFound: Promise.resolve(),
        appliedFound: [],
      });
  }

  /** Sources with an index, in configuration order. */
  get sourceIds(): string[] {
    return [...this.tracked.keys()];
  }

  useCoordinator(coordinator: SyncCoordinator): void {
    this.coordinator = coordinator;
  }

  /** Who decides which replica syncs (the fleet); null when this replica syncs every source itself. */
  get syncCoordinator(): SyncCoordinator | null {
    return this.coordinator;
  }

  policyOf(sourceId: string): InventoryPolicy | null {
    return this.tracked.get(sourceId)?.policy ?? null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Every source's first sync at once (reads are live until it ends); the next ones spread over the
    // period (`phase`), so that the syncs' calls and parsing do not all fall in the same seconds.
    [...this.tracked.values()].forEach((t, i, all) => {
      t.phase = i / all.length;
      this.schedule(t.source.id, 0);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tracked.values()) if (t.timer) clearTimeout(t.timer);
    await this.coordinator?.stop();
  }

  private schedule(sourceId: string, delayMs: number): void {
    const t = this.tracked.get(sourceId)!;
    if (this.stopped) return;
    if (t.timer) clearTimeout(t.timer);
    t.timer = setTimeout(() => void this.tick(sourceId), delayMs);
    t.timer.unref();
  }

  private async tick(sourceId: string): Promise<void> {
    const t = this.tracked.get(sourceId)!;
    const started = Date.now();
    try {
      if (!this.coordinator || (await this.coordinator.shouldSync(sourceId))) await this.syncNow(sourceId);
    } catch (error) {
      this.logger.warn({ source: sourceId, err: (error as Error).message }, 'inventory sync could not start');
    }
    // Syncs start every refreshMs (one longer than that is followed at once): a change waits at most
    // refreshMs for a sync to begin, plus that sync's length. After failures, try again sooner than
    // a period (1 s, 2 s, 4 s ... after the failure), but never more often than that.
    if (t.failures > 0) this.schedule(sourceId, Math.min(t.policy.refreshMs, 1000 * 2 ** (t.failures - 1)));
    else {
      this.schedule(sourceId, Math.max(0, t.policy.refreshMs * (1 + t.phase) - (Date.now() - started)));
      t.phase = 0;
    }
  }

  /**
   * Syncs one source now (the timer's work; tests call it too) and resolves when applied: here alone,
   * or, in a fleet, by way of the stream, as every replica applies it.
   */
  async syncNow(sourceId: string): Promise<SyncOutcome> {
    const t = this.tracked.get(sourceId);
    if (t) t.appliedFound = [];
    const outcome = await this.read(sourceId);
    // What the pages showed is in the index and the feed before the sync's own outcome (a failed
    // sync's too: each is a secret as the cloud showed it; only a whole list tells a deletion).
    if (t) await this.applyFound(t);
    const found = t?.appliedFound ?? [];
    const applied = await this.finish(sourceId, outcome);
    // Reported as the whole sync's: what its pages changed, then the rest.
    return found.length > 0 && !applied.error
      ? { ...applied, changes: [...found, ...(applied.changes ?? [])] }
      : applied;
  }

  private async finish(sourceId: string, outcome: SyncOutcome): Promise<SyncOutcome> {
    // Compared here, in slices (apply compares again only if the index moved meanwhile).
    if (outcome.read && !this.coordinator) outcome.diffed = await this.diffOf(sourceId, outcome.read, new Date());
    const shared = await this.coordinator?.publish(outcome).catch((error: unknown) => {
      this.logger.warn({ source: sourceId, err: (error as Error).message }, 'inventory sync not shared with the fleet');
      return null;
    });
    return shared ?? this.apply(outcome);
  }

  /**
   * A page of a running sync: its creations and updates against the index, gathered and applied
   * within FOUND_DELAY_MS, so that a change surfaces as its page is read rather than when the whole
   * chain of pages has been (a long AWS or CSMS chain takes seconds at 100,000 secrets).
   */
  private found(t: Tracked, namespaceId: string, records: SecretRecord[], matched: WeakSet<SecretRecord>): void {
    // A namespace new to the index comes with the sync's outcome; so does a namespace listed whole in
    // one call (SAE): compared on arrival it would hold the event loop as long as the whole diff.
    if (records.length > FOUND_PAGE_MAX || !t.index.namespaces.some((ns) => ns.id === namespaceId)) return;
    for (const change of t.index.changesIn(namespaceId, records, new Date(), matched))
      t.found.set(`${namespaceId}\u0000${change.key}`, change);
    if (t.found.size > 0 && !t.foundTimer) {
      t.foundTimer = setTimeout(() => void this.applyFound(t), FOUND_DELAY_MS);
      t.foundTimer.unref();
    }
  }

  /** Applies what the running sync's pages showed so far (here, or through the fleet's stream), and waits for it. */
  private applyFound(t: Tracked): Promise<unknown> {
    if (t.foundTimer) clearTimeout(t.foundTimer);
    t.foundTimer = null;
    if (t.found.size > 0) {
      const found = [...t.found.values()];
      t.found.clear();
      t.applyingFound = t.applyingFound.then(async () => {
        // Compared again: the index may have taken some of them since (another replica's entry).
        const changes = found.flatMap((change) => t.index.changesIn(change.namespaceId, [change.record], change.at));
        if (changes.length === 0) return;
        const outcome: SyncOutcome = { sourceId: t.source.id, at: new Date(), listCalls: 0, changes, partial: true };
        const shared = await this.coordinator?.publish(outcome).catch(() => null);
        t.appliedFound.push(...((shared ?? this.apply(outcome)).changes ?? []));
      });
      t.applyingFound = t.applyingFound.catch((error: unknown) =>
        this.logger.warn(
          { source: t.source.id, err: (error as Error).message },
          'inventory: found changes not applied',
        ),
      );
    }
    return t.applyingFound;
  }

  /** Reads the source whole; nothing is applied yet. A failed read is an outcome with its error. */
  private async read(sourceId: string): Promise<SyncOutcome> {
    const t = this.tracked.get(sourceId);
    if (!t) throw new Error(`source "${sourceId}" has no inventory`);
    t.syncing = true;
    const at = new Date();
    // Before the first sync succeeds every read of the source is live: they share this one's calls.
    // After it, the index answers, and the last first-sync pages are let go with the next read.
    t.firstPages = t.baselined ? null : new SyncPages();
    const matched = new WeakSet<SecretRecord>();
    try {
      const read = await readSource(t.source, this.logger, {
        deadlineMs: Math.max(60_000, t.policy.refreshMs),
        pages: t.firstPages ?? undefined,
        // The first sync is the baseline: it reports nothing.
        onPage: t.baselined ? (namespaceId, records) => this.found(t, namespaceId, records, matched) : undefined,
        query: t.baselined ? t.source.syncQuery : undefined,
      });
      return { sourceId, at, listCalls: read.listCalls, read: { ...read, matched } };
    } catch (error) {
      const code = error instanceof UpstreamError ? error.info.code : 'INVENTORY_SYNC_FAILED';
      const message = error instanceof UpstreamError ? error.message : 'the sync failed unexpectedly';
      if (!(error instanceof UpstreamError))
        this.logger.error({ err: error, source: sourceId }, 'inventory sync failed');
      return { sourceId, at, listCalls: 0, error: { code, message } };
    } finally {
      t.syncing = false;
      t.firstPages?.end();
    }
  }

  /**
   * What a read changes in the index, without applying it; null when it is the source's baseline (its
   * first sync). Compared in slices, off the requests' way; if another apply changed the index
   * meanwhile, compared again against it as it is now.
   */
  async changesOf(
    sourceId: string,
    read: NonNullable<SyncOutcome['read']>,
    at: Date,
  ): Promise<SecretChangeRecord[] | null> {
    return (await this.diffOf(sourceId, read, at))?.changes ?? null;
  }

  private async diffOf(
    sourceId: string,
    read: NonNullable<SyncOutcome['read']>,
    at: Date,
  ): Promise<SyncOutcome['diffed'] | undefined> {
    const t = this.tracked.get(sourceId);
    if (!t?.baselined) return undefined;
    const version = t.index.version;
    const changes = await t.index.diffInSlices(read.namespaces, read.lists, at, read.matched);
    if (t.index.version === version) return { version, changes };
    return { version: t.index.version, changes: t.index.diff(read.namespaces, read.lists, at, read.matched) };
  }

  /**
   * Applies a sync's outcome to the index and the feed: a local read is diffed against the index (the
   * first one is the baseline: no change recorded); another replica's changes are applied as given.
   * A failed sync changes nothing (no false DELETED) and leaves the index to go stale.
   */
  apply(outcome: SyncOutcome, seq?: (change: SecretChangeRecord, i: number) => number): SyncOutcome {
    const t = this.tracked.get(outcome.sourceId);
    if (!t) return outcome;
    t.totalListCalls += outcome.listCalls;
    if (outcome.error) {
      t.failures++;
      t.lastError = outcome.error;
      this.logger.warn({ source: outcome.sourceId, code: outcome.error.code }, 'inventory sync failed');
      return outcome;
    }
    let changes: SecretChangeRecord[] = outcome.changes ?? [];
    const versionBefore = t.index.version;
    if (outcome.partial) {
      t.index.apply(changes);
      if (t.index.version !== versionBefore) t.contentOf = `found ${outcome.at.getTime()}`;
      this.changes.append(changes, seq);
      this.resortSoon();
      return { sourceId: outcome.sourceId, at: outcome.at, listCalls: 0, changes, partial: true };
    }
    const namespaces = outcome.read?.namespaces ?? outcome.namespaces;
    if (outcome.read) {
      // Found now: a change made at the cloud while the lists were read is dated after it was made.
      const found = new Date();
      if (t.baselined)
        changes =
          outcome.diffed?.version === t.index.version
            ? outcome.diffed.changes
            : t.index.diff(outcome.read.namespaces, outcome.read.lists, found, outcome.read.matched);
      else {
        t.index.baseline(outcome.read.namespaces, outcome.read.lists);
        // What changed in this source until now went into the baseline, not into the feed.
        this.changes.gap(found);
      }
    }
    if (!outcome.read || t.baselined) t.index.apply(changes, namespaces);
    if (t.index.version !== versionBefore) t.contentOf = String(outcome.at.getTime());
    t.baselined = true;
    t.syncedAt = outcome.at;
    t.completedAt = Date.now();
    t.failures = 0;
    t.lastError = null;
    t.listCalls = outcome.listCalls;
    this.changes.append(changes, seq);
    this.resortSoon();
    return { sourceId: outcome.sourceId, at: outcome.at, listCalls: outcome.listCalls, changes, namespaces };
  }

  /**
   * Replaces a source's index with a snapshot of the sync that made it (a replica joining a fleet, or
   * taking the fleet's baseline); no change is recorded.
   */
  restore(
    sourceId: string,
    snapshot: ReturnType<SourceIndex['snapshot']>,
    sync: { at: Date; listCalls: number; completedAt?: number },
  ): void {
    const t = this.tracked.get(sourceId);
    if (!t) return;
    t.index.restore(snapshot);
    // Not necessarily the sync whose changes made this content (a later one may have found none):
    // a key that differs from another replica's for the same content costs a miss, never a wrong answer.
    t.contentOf = String(sync.at.getTime());
    t.baselined = true;
    t.syncedAt = sync.at;
    // Fresh from when that sync was applied (as for a local one); a snapshot that does not say, from its start.
    t.completedAt = Math.min(Date.now(), sync.completedAt ?? sync.at.getTime());
    t.failures = 0;
    t.lastError = null;
    t.listCalls = sync.listCalls;
    t.totalListCalls += sync.listCalls;
  }

  /** The source's index when reads may be served from it (fresh); null when they go to the cloud. */
  fresh(sourceId: string, now = Date.now()): SourceIndex | null {
    const t = this.tracked.get(sourceId);
    return t && this.stateOf(t, now) === 'FRESH' ? t.index : null;
  }

  /**
   * The pages the source's first sync reads, shared with live reads of the source; null when it has
   * none (a later sync's pages are not shared: the index serves).
   */
  firstSyncPages(sourceId: string): SyncPages | null {
    return this.tracked.get(sourceId)?.firstPages ?? null;
  }

  /** The source's index whatever its state (its snapshot, the fleet); null when it has none. */
  indexOf(sourceId: string): SourceIndex | null {
    return this.tracked.get(sourceId)?.index ?? null;
  }

  /**
   * Every indexed secret (fresh or not: the caller's scope decides), sorted by `orders` then the
   * default order; built once per order until an index changes, so a page costs a binary search.
   */
  sorted(orders: readonly SecretOrder[]): SortedSet {
    const version = [...this.tracked.values()].map((t) => t.index.version).join(',');
    if (version !== this.sortedVersion) {
      this.sortedSets.clear();
      this.sortedVersion = version;
      this.allEntries = null;
    }
    const key = JSON.stringify(orders);
    let set = this.sortedSets.get(key);
    if (!set) {
      this.allEntries ??= this.entries();
      this.sortedSets.set(key, (set = sortEntries(this.allEntries, orders)));
    }
    return set;
  }

  /** Sorts again, off the request path, the orders clients have used (and their search texts), once an index changed. */
  private resortSoon(): void {
    const used = [...this.sortedSets].map(([key, set]) => ({
      orders: JSON.parse(key) as SecretOrder[],
      searched: set.text !== undefined,
    }));
    if (used.length === 0) return;
    setImmediate(() => {
      for (const { orders, searched } of used) {
        const set = this.sorted(orders);
        if (searched) prepareSearch(set);
      }
    }).unref();
  }

  private entries(): Entry[] {
    const all: Entry[] = [];
    for (const t of this.tracked.values()) if (t.baselined) for (const entry of this.entriesOf(t)) all.push(entry);
    return all;
  }

  /** A source's entries; after a change, an unchanged secret keeps its entry (and its search text). */
  private entriesOf(t: Tracked): Entry[] {
    if (t.entries?.version === t.index.version) return t.entries.list;
    const before = new Map(t.entries?.list.map((entry) => [entry.record, entry]));
    const list: Entry[] = [];
    t.index.eachEntry((namespaceIndex, entry) => {
      const old = before.get(entry.record);
      if (old && old.namespaceIndex === namespaceIndex && old.seq === entry.seq) list.push(old);
      else list.push(entryOf(entry.record, { sourceIndex: t.position, namespaceIndex, seq: entry.seq }, this.facets));
    });
    t.entries = { version: t.index.version, list };
    return list;
  }

  /**
   * What the index serves now: for each source, the sync whose changes it last took, and whether it is
   * fresh. A response built from it holds while this does (the whole-response cache keys on it), so
   * a sync that changed something, or a source going stale, is seen at once rather than after the
   * cache's TTL. Replicas of a fleet share that cache: a local counter (`version`) would let a
   * replica that restored a snapshot meet another's answer for other content under the same key.
   */
  servingKey(now = Date.now()): string {
    return [...this.tracked.values()]
      .map((t) => `${t.contentOf ?? '-'}${this.stateOf(t, now) === 'FRESH' ? '' : '~'}`)
      .join(',');
  }

  syncedAt(sourceId: string): Date | null {
    return this.tracked.get(sourceId)?.syncedAt ?? null;
  }

  private stateOf(t: Tracked, now: number): InventoryState {
    if (t.lastError) return 'FAILED';
    if (!t.syncedAt) return 'SYNCING';
    // From the end of the last sync: one that takes longer than maxAge (a long chain of pages) still
    // leaves a fresh index, and the period between syncs (refreshMs after the last one ended) fits.
    return now - (t.completedAt ?? t.syncedAt.getTime()) > t.policy.maxAgeMs ? 'STALE' : 'FRESH';
  }

  status(sourceId: string, now = Date.now()): SourceSyncStatus | null {
    const t = this.tracked.get(sourceId);
    if (!t) return null;
    return {
      source: t.source,
      state: this.stateOf(t, now),
      syncedAt: t.syncedAt,
      secretCount: t.baselined ? t.index.size : null,
      lastError: t.lastError,
      listCalls: t.listCalls,
      totalListCalls: t.totalListCalls,
    };
  }
}
