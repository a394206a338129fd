import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { NamespaceRecord } from '../domain/records.js';
import type { Logger } from '../logger.js';
import { fromJson, toJson } from '../redis/json.js';
import type { RedisLink } from '../redis/link.js';
import type { Inventory, SyncCoordinator, SyncOutcome } from './inventory.js';
import { SourceIndex, type SecretChangeRecord } from './source-index.js';

/**
 * A lease never shorter than this: a few command timeouts and a garbage collection pause must not
 * pass it to another replica while its holder is alive.
 */
const MIN_LEASE_MS = 5000;
/** How long one XREAD waits for new entries before it asks again. */
const BLOCK_MS = 2000;
/** Entries read per command. */
const BATCH = 100;
/** At start, how long the first sync waits for Redis before this replica syncs alone. */
const FIRST_CONTACT_MS = 2000;
const RETRY_MS = 500;

/**
 * A source's lease period: its refresh period, at least 5 s. The holder renews it every third of it;
 * the others try to take it at each of their ticks (every `refreshMs`), so a holder that dies is
 * replaced within `leaseMs + refreshMs`: at most two lease periods.
 */
export function leaseMsOf(refreshMs: number): number {
  return Math.max(MIN_LEASE_MS, refreshMs);
}

/** The keys, under the gateway's `keyPrefix` (ioredis prepends it). */
const KEY = {
  lease: (sourceId: string) => `inventory:lease:${sourceId}`,
  snapshot: (sourceId: string) => `inventory:snapshot:${sourceId}`,
  /** Every source's syncs, in one order: the feed's. */
  stream: 'inventory:changes',
  /** The feed's last seq. */
  seq: 'inventory:seq',
};

/** SET NX PX, or, for the holder, PEXPIRE: 1 while this replica holds the lease. */
const TAKE_OR_KEEP = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

/** Compare and delete: a holder lets go of its own lease only. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The feed's seq becomes at least ARGV[1]. */
const RAISE = `
if tonumber(ARGV[1]) > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], ARGV[1]) end
return 1`;

/**
 * One sync into the stream, only from the lease holder (fencing: a replica that lost its lease
 * while it read cannot publish). Numbers its changes (INCRBY: the same seq on every replica, in
 * stream order, never below the publisher's own feed), appends the entry (trimming entries older
 * than the feed's retention, MINID ~) and, for a successful sync, the source's snapshot as of it.
 * KEYS: lease, seq, stream, snapshot. ARGV: token, leaseMs, floor, count, retentionMs, source, body,
 * index ('' = unchanged), syncedAt, listCalls, snapshot ('1' | '0').
 */
const PUBLISH = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {'held'}
end
local snapshot = ARGV[11] == '1'
if snapshot and ARGV[8] == '' and redis.call('HEXISTS', KEYS[4], 'index') == 0 then return {'no-snapshot'} end
if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], ARGV[3]) end
local first = redis.call('INCRBY', KEYS[2], ARGV[4]) - tonumber(ARGV[4]) + 1
local now = redis.call('TIME')
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[5])
local id = redis.call('XADD', KEYS[3], 'MINID', '~', string.format('%d', oldest), '*',
  'source', ARGV[6], 'first', string.format('%d', first), 'body', ARGV[7])
if snapshot then
  if ARGV[8] ~= '' then redis.call('HSET', KEYS[4], 'index', ARGV[8]) end
  redis.call('HSET', KEYS[4], 'streamId', id, 'syncedAt', ARGV[9], 'listCalls', ARGV[10])
end
return {'ok', id}`;

/** One sync as the stream carries it. */
interface StreamedSync {
  at: Date;
  listCalls: number;
  /** Present when they changed. */
  namespaces?: NamespaceRecord[];
  changes?: SecretChangeRecord[];
  error?: { code: string; message: string };
  /** Creations and updates found on a running sync's pages (no snapshot comes with it). */
  partial?: true;
  /** The source's index is the snapshot written with this entry (a baseline, or a holder that synced alone before): every replica takes it. */
  reset?: true;
}

type IndexSnapshot = ReturnType<SourceIndex['snapshot']>;

interface StoredSnapshot {
  index: IndexSnapshot;
  /** The last entry of the source that the index includes. */
  streamId: string;
  sync: { at: Date; listCalls: number; completedAt: number };
}

type StreamEntry = [id: string, fields: string[]];

/** Stream ids ("ms-n") in stream order. */
function compareIds(a: string, b: string): number {
  const [am, an] = a.split('-').map(Number);
  const [bm, bn] = b.split('-').map(Number);
  return am - bm || an - bn;
}

function fieldsOf(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  return record;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The inventory of a fleet of replicas, through Redis: per source, the replica holding its lease
 * syncs it and publishes what it found to one stream; every replica, the holder too, applies the
 * stream to its own index and feed, in stream order and with the stream's seq. A replica that joins
 * late takes each source's snapshot and then the stream. While Redis does not answer, each replica
 * syncs for itself (as its rate limits do), and joins again when it answers.
 */
export class InventoryFleet implements SyncCoordinator {
  private readonly token = randomUUID();
  /** Sources whose lease this replica holds, with their renewal timers. */
  private readonly held = new Map<string, NodeJS.Timeout>();
  /** Sources whose index is the fleet's, and the last entry it includes; absent ones take the next snapshot. */
  private readonly position = new Map<string, string>();
  /**
   * Sources that took changes found on a sync's pages (partial entries, which carry no snapshot) since
   * this replica last wrote their snapshot: the sync's own entry writes it then, changes or not.
   */
  private readonly unsnapshotted = new Set<string>();
  private joined = false;
  private joining: Promise<void> | null = null;
  /** Bumped when the replica leaves the fleet, so that what the last membership started stops. */
  private generation = 0;
  /** The last entry applied. */
  private lastId = '0-0';
  /** Entries are applied one batch at a time, whoever read them. */
  private applying: Promise<unknown> = Promise.resolve();
  /** XREAD BLOCK needs a connection of its own. */
  private reader: Redis | null = null;
  private stopped = false;
  private readonly firstContact: Promise<boolean>;

  constructor(
    private readonly link: RedisLink,
    private readonly inventory: Inventory,
    private readonly logger: Logger,
    private readonly options: { retentionMs: number },
  ) {
    this.firstContact = link.ready(FIRST_CONTACT_MS);
    link.onState((state) => {
      if (state === 'down') this.leave();
      else this.join().catch(() => this.link.commandFailed());
    });
  }

  /** Whether this replica holds the source's lease (it syncs the source for the fleet). */
  holds(sourceId: string): boolean {
    return this.held.has(sourceId);
  }

  /** Whether this replica follows the fleet's stream (false while Redis is away: it syncs alone). */
  get inFleet(): boolean {
    return this.joined;
  }

  async shouldSync(sourceId: string): Promise<boolean> {
    if (this.stopped) return false;
    await this.firstContact;
    if (!this.link.up) return this.alone();
    try {
      await this.join();
      if (!this.joined) return this.alone();
      const held =
        (await this.link.client.eval(TAKE_OR_KEEP, 1, KEY.lease(sourceId), this.token, this.leaseMs(sourceId))) === 1;
      this.holding(sourceId, held);
      return held;
    } catch {
      this.link.commandFailed();
      return this.alone();
    }
  }

  async publish(outcome: SyncOutcome): Promise<SyncOutcome | null> {
    if (this.stopped || !this.joined || !this.link.up) return null;
    const { sourceId, at, listCalls } = outcome;
    try {
      // The diff is taken against the index as the stream has made it so far.
      await this.drain();
      if (outcome.partial) {
        const reply = await this.append(
          outcome,
          { at, listCalls: 0, changes: outcome.changes ?? [], partial: true },
          '',
        );
        if (reply[0] === 'held') {
          // The lease moved: the new holder's sync will find the same changes.
          this.holding(sourceId, false);
          return { ...outcome, changes: [] };
        }
        await this.drain();
        return outcome;
      }
      const { read, error } = outcome;
      const changes = read ? await this.inventory.changesOf(sourceId, read, at) : null;
      const reset = !error && (changes === null || !this.position.has(sourceId));
      // Most syncs find the namespaces as they were: their entries leave them out.
      const namespaces =
        read && JSON.stringify(read.namespaces) !== JSON.stringify(this.inventory.indexOf(sourceId)?.namespaces)
          ? read.namespaces
          : undefined;
      const body: StreamedSync = error
        ? { at, listCalls, error }
        : { at, listCalls, namespaces, changes: changes ?? [], ...(reset ? { reset } : {}) };
      const index = () => toJson(this.nextIndex(outcome, changes));
      const wholeIndex = reset || (changes?.length ?? 0) > 0 || this.unsnapshotted.has(sourceId);
      let reply = await this.append(outcome, body, wholeIndex ? index() : '');
      // The snapshot is gone (Redis lost it): write it whole.
      if (reply[0] === 'no-snapshot') reply = await this.append(outcome, body, index());
      if (reply[0] === 'held') {
        this.holding(sourceId, false);
        this.logger.info({ source: sourceId }, 'inventory sync dropped: another replica holds the lease and syncs');
        return { sourceId, at, listCalls, changes: [] };
      }
      if (wholeIndex && !error) this.unsnapshotted.delete(sourceId);
      // Applied here as on every replica: as the stream has it.
      await this.drain();
      return error
        ? { sourceId, at, listCalls, error }
        : { sourceId, at, listCalls, changes: changes ?? [], namespaces: read?.namespaces };
    } catch {
      this.link.commandFailed();
      this.alone();
      return null;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const held = [...this.held.keys()];
    this.leave();
    if (this.link.up)
      await Promise.all(
        held.map((sourceId) =>
          this.link.client.eval(RELEASE, 1, KEY.lease(sourceId), this.token).catch(() => undefined),
        ),
      );
    this.reader?.disconnect();
  }

  private leaseMs(sourceId: string): number {
    return leaseMsOf(this.inventory.policyOf(sourceId)?.refreshMs ?? 0);
  }

  /** Redis does not answer: this replica syncs for itself until it joins again. */
  private alone(): boolean {
    this.leave();
    this.link.fellBack('inventory');
    return true;
  }

  private leave(): void {
    this.generation++;
    if (this.joined && !this.stopped)
      this.logger.warn({}, 'inventory: redis unreachable, this replica syncs every source itself');
    this.joined = false;
    for (const timer of this.held.values()) clearInterval(timer);
    this.held.clear();
    this.position.clear();
  }

  /** Keeps renewing the lease while held (a sync may outlast a tick); stops when it is lost. */
  private holding(sourceId: string, held: boolean): void {
    const timer = this.held.get(sourceId);
    if (!held) {
      if (timer) clearInterval(timer);
      this.held.delete(sourceId);
      return;
    }
    if (timer) return;
    const leaseMs = this.leaseMs(sourceId);
    const renew = setInterval(() => {
      this.link.client
        .eval(TAKE_OR_KEEP, 1, KEY.lease(sourceId), this.token, leaseMs)
        .then((kept) => {
          if (kept !== 1 && this.held.get(sourceId) === renew) {
            this.logger.warn({ source: sourceId }, 'inventory lease lost to another replica');
            this.holding(sourceId, false);
          }
        })
        // Not renewed this time: the next try may be, before the lease runs out.
        .catch(() => this.link.commandFailed());
    }, leaseMs / 3);
    renew.unref();
    this.held.set(sourceId, renew);
    this.logger.info({ source: sourceId, leaseMs }, 'inventory lease taken: this replica syncs the source');
  }

  private join(): Promise<void> {
    if (this.joined || this.stopped) return Promise.resolve();
    this.joining ??= this.serial(() => this.catchUp()).finally(() => {
      this.joining = null;
    });
    return this.joining;
  }

  /**
   * Joins the fleet: the feed's numbers continue above this replica's (it may have synced alone),
   * each source takes the fleet's snapshot, and the stream is read from its oldest entry (the feed's
   * history, changes only; the index from the entries its snapshot lacks), then followed. Everything
   * is read before anything is applied, so that a replica is never fresh without its feed's history.
   */
  private async catchUp(): Promise<void> {
    const generation = ++this.generation;
    const client = this.link.client;
    await client.eval(RAISE, 1, KEY.seq, String(this.inventory.changes.head));
    const snapshots = new Map<string, StoredSnapshot | null>();
    for (const sourceId of this.inventory.sourceIds) snapshots.set(sourceId, await this.snapshotOf(sourceId));
    // Read before the stream: if the stream is empty now, every later entry comes above it.
    const seq = Number((await client.get(KEY.seq)) ?? 0);
    const history = await this.entriesAfter('0-0');
    if (generation !== this.generation || this.stopped) return;
    this.position.clear();
    for (const [sourceId, snapshot] of snapshots) {
      if (!snapshot) continue;
      this.inventory.restore(sourceId, snapshot.index, snapshot.sync);
      this.position.set(sourceId, snapshot.streamId);
    }
    this.inventory.changes.resumeAt(history.length > 0 ? Number(fieldsOf(history[0][1]).first) - 1 : seq);
    this.lastId = '0-0';
    await this.applyEntries(history);
    if (generation !== this.generation || this.stopped) return;
    this.joined = true;
    this.logger.info({ position: this.lastId }, 'inventory: this replica follows the fleet');
    void this.follow(generation);
  }

  /** Applies what the stream holds beyond the last entry applied. */
  private drain(): Promise<void> {
    return this.serial(() => this.drainNow());
  }

  private async drainNow(): Promise<void> {
    await this.applyEntries(await this.entriesAfter(this.lastId));
  }

  /** Every entry after `id`, oldest first. */
  private async entriesAfter(id: string): Promise<StreamEntry[]> {
    const entries: StreamEntry[] = [];
    for (let after = id; ; ) {
      const batch = (await this.link.client.xrange(KEY.stream, `(${after}`, '+', 'COUNT', BATCH)) as StreamEntry[];
      entries.push(...batch);
      if (batch.length < BATCH) return entries;
      after = batch[batch.length - 1][0];
    }
  }

  /** Waits for new entries and applies them, for as long as this membership lasts. */
  private async follow(generation: number): Promise<void> {
    this.reader ??= this.blockingConnection();
    while (!this.stopped && generation === this.generation) {
      try {
        const reply = (await this.reader.xread(
          'COUNT',
          BATCH,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          KEY.stream,
          this.lastId,
        )) as Array<[string, StreamEntry[]]> | null;
        if (reply && generation === this.generation) await this.serial(() => this.applyEntries(reply[0][1]));
      } catch {
        // The blocking connection is away or the entry could not be applied: ask again from the last entry applied.
        if (this.stopped || generation !== this.generation) return;
        await sleep(RETRY_MS);
      }
    }
  }

  private blockingConnection(): Redis {
    const connection = this.link.client.duplicate({
      commandTimeout: BLOCK_MS + this.link.settings.commandTimeoutMs + 1000,
    });
    connection.on('error', () => undefined);
    return connection;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.applying.then(work, work);
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyEntries(entries: readonly StreamEntry[]): Promise<void> {
    for (const [id, fields] of entries) {
      if (compareIds(id, this.lastId) <= 0) continue;
      await this.applyEntry(id, fieldsOf(fields));
      this.lastId = id;
    }
  }

  private async applyEntry(id: string, fields: Record<string, string>): Promise<void> {
    const sourceId = fields.source;
    // A source this replica does not index (another configuration, in a rolling deploy).
    if (!this.inventory.policyOf(sourceId)) return;
    const sync = fromJson<StreamedSync>(fields.body);
    const first = Number(fields.first);
    const changes = sync.changes ?? [];
    const seq = (_change: SecretChangeRecord, i: number) => first + i;
    const position = this.position.get(sourceId);
    if (position !== undefined && compareIds(id, position) <= 0) {
      // The index has it from its snapshot: only the feed takes it.
      this.inventory.changes.append(changes, seq);
      return;
    }
    if (sync.error) {
      this.inventory.apply({ sourceId, at: sync.at, listCalls: sync.listCalls, error: sync.error });
      return;
    }
    if (sync.partial) {
      this.unsnapshotted.add(sourceId);
      if (position !== undefined) {
        this.inventory.apply({ sourceId, at: sync.at, listCalls: 0, changes, partial: true }, seq);
        this.position.set(sourceId, id);
      } else this.inventory.changes.append(changes, seq); // the index takes them with the next snapshot
      return;
    }
    if (position !== undefined && !sync.reset) {
      this.inventory.apply(
        { sourceId, at: sync.at, listCalls: sync.listCalls, changes, namespaces: sync.namespaces },
        seq,
      );
      this.position.set(sourceId, id);
      return;
    }
    // A baseline, or an index that is not the fleet's yet: take the snapshot written with this entry (or a later one).
    const snapshot = await this.snapshotOf(sourceId);
    if (snapshot && compareIds(snapshot.streamId, id) >= 0) {
      this.inventory.restore(sourceId, snapshot.index, snapshot.sync);
      this.position.set(sourceId, snapshot.streamId);
    } else {
      this.logger.warn(
        { source: sourceId, entry: id },
        'inventory: no snapshot for a stream entry; waiting for the next',
      );
    }
    this.inventory.changes.append(changes, seq);
  }

  private async snapshotOf(sourceId: string): Promise<StoredSnapshot | null> {
    const stored = await this.link.client.hgetall(KEY.snapshot(sourceId));
    if (!stored.index || !stored.streamId) return null;
    return {
      index: fromJson<IndexSnapshot>(stored.index),
      streamId: stored.streamId,
      sync: {
        at: new Date(Number(stored.syncedAt)),
        listCalls: Number(stored.listCalls),
        // A stream id starts with Redis's clock when the entry was added: when the holder applied the sync.
        completedAt: Number(stored.streamId.split('-')[0]),
      },
    };
  }

  /** The source's index as it will be once the sync is applied: what the snapshot holds. */
  private nextIndex(outcome: SyncOutcome, changes: SecretChangeRecord[] | null): IndexSnapshot {
    const read = outcome.read!;
    const next = new SourceIndex(outcome.sourceId);
    if (changes === null) next.baseline(read.namespaces, read.lists);
    else {
      next.restore(this.inventory.indexOf(outcome.sourceId)!.snapshot());
      next.apply(changes, read.namespaces);
    }
    return next.snapshot();
  }

  private async append(outcome: SyncOutcome, body: StreamedSync, index: string): Promise<string[]> {
    const { sourceId } = outcome;
    return (await this.link.client.eval(
      PUBLISH,
      4,
      KEY.lease(sourceId),
      KEY.seq,
      KEY.stream,
      KEY.snapshot(sourceId),
      this.token,
      this.leaseMs(sourceId),
      this.inventory.changes.head,
      body.changes?.length ?? 0,
      this.options.retentionMs,
      sourceId,
      toJson(body),
      index,
      outcome.at.getTime(),
      outcome.listCalls,
      outcome.error || outcome.partial ? '0' : '1',
    )) as string[];
  }
}
