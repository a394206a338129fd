import type { NamespaceRecord, SecretRecord } from '../domain/records.js';

/** One secret in the index: its record as the list gave it, and its place in the index's own order. */
export interface IndexedSecret {
  record: SecretRecord;
  /** Assigned when the index first saw it: the provider's order for a baseline, then the order of arrival. */
  seq: number;
}

export type ChangeKind = 'CREATED' | 'UPDATED' | 'DELETED';

/** What one sync found different in one secret. Values never appear: records carry none. */
export interface SecretChangeRecord {
  kind: ChangeKind;
  at: Date;
  sourceId: string;
  namespaceId: string;
  key: string;
  /** The record now; for DELETED, as the index last saw it (never shown to clients, only filtered on). */
  record: SecretRecord;
  /** The record's fields that differ (UPDATED); every field for CREATED and DELETED. */
  changedFields: string[];
}

type Fields = Record<string, unknown>;

/** Secrets a diff compares between two looks at the event loop (`diffInSlices`): a few milliseconds' worth. */
const DIFF_SLICE = 2000;

/**
 * Whether two values would be the same JSON, compared in place rather than kept as JSON per secret
 * (which cost 100k secrets some 40 MB): a date equals its ISO string (a record revived from the
 * fleet's stream), an undefined field equals a missing one, and key order does not count.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Without allocating: a sync compares every secret of its source on the event loop.
  if (a instanceof Date) return b instanceof Date ? sameInstant(a, b) : a.toJSON() === b;
  if (b instanceof Date) return b.toJSON() === a;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const x = a as Fields;
  const y = b as Fields;
  let defined = 0;
  for (const key in x) {
    if (x[key] === undefined) continue;
    defined++;
    if (!sameJson(x[key], y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) defined--;
  return defined === 0;
}

/** Two dates as JSON: the same instant, or both invalid (null). */
function sameInstant(a: Date, b: Date): boolean {
  const x = a.getTime();
  const y = b.getTime();
  return x === y || (Number.isNaN(x) && Number.isNaN(y));
}

function definedKeys(value: Fields): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}

function changedFields(before: SecretRecord, after: SecretRecord): string[] {
  const [a, b] = [before as unknown as Fields, after as unknown as Fields];
  const keys = new Set([...definedKeys(a), ...definedKeys(b)]);
  return [...keys].filter((key) => !sameJson(a[key], b[key])).sort();
}

/**
 * The index of one source: its namespaces and every secret its list calls returned, as of the last
 * sync. Syncs replace it through `diff` and `apply`, so that a replica applying another's changes
 * (the fleet's stream) goes through the same code as the one that synced.
 */
export class SourceIndex {
  namespaces: NamespaceRecord[] = [];
  private readonly byNamespace = new Map<string, Map<string, IndexedSecret>>();
  private nextSeq = 0;
  /** Bumped on every change: what derived views (sorted orders) are keyed by. */
  version = 0;

  constructor(readonly sourceId: string) {}

  get size(): number {
    let size = 0;
    for (const secrets of this.byNamespace.values()) size += secrets.size;
    return size;
  }

  get(namespaceId: string, key: string): SecretRecord | null {
    return this.byNamespace.get(namespaceId)?.get(key)?.record ?? null;
  }

  /** Names to records per namespace, built when first asked after a change (references by natural key). */
  private names = { version: -1, byNamespace: new Map<string, Map<string, SecretRecord>>() };

  byName(namespaceId: string, name: string): SecretRecord | null {
    if (this.names.version !== this.version) this.names = { version: this.version, byNamespace: new Map() };
    let names = this.names.byNamespace.get(namespaceId);
    if (!names) {
      names = new Map();
      // The first of a name wins, as a scan of the list would find it.
      for (const entry of this.byNamespace.get(namespaceId)?.values() ?? [])
        if (!names.has(entry.record.name)) names.set(entry.record.name, entry.record);
      this.names.byNamespace.set(namespaceId, names);
    }
    return names.get(name) ?? null;
  }

  /** Each namespace's entries by seq, built when first asked after a change (walks of the index). */
  private bySeq = { version: -1, byNamespace: new Map<string, IndexedSecret[]>() };

  /** A namespace's entries in ascending seq: the index's order, in which a secret keeps its place across syncs. */
  entriesBySeq(namespaceId: string): readonly IndexedSecret[] {
    if (this.bySeq.version !== this.version) this.bySeq = { version: this.version, byNamespace: new Map() };
    let list = this.bySeq.byNamespace.get(namespaceId);
    if (!list) {
      list = [...(this.byNamespace.get(namespaceId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
      this.bySeq.byNamespace.set(namespaceId, list);
    }
    return list;
  }

  /**
   * Where a live read's namespaces stand in the index's order: each known one at its place here, the
   * others after them in list order. A walk that read a source live goes on from the same places
   * when it reads the index (and the other way round), so its keysets mean the same on both.
   */
  namespacePlaces(namespaces: readonly NamespaceRecord[]): number[] {
    let next = this.namespaces.length;
    return namespaces.map((ns) => {
      const at = this.namespaces.findIndex((known) => known.id === ns.id);
      return at >= 0 ? at : next++;
    });
  }

  /** The same for a live read's secrets of a namespace: their seqs here, then seqs after every other, in list order, as the next sync would give them. */
  seqsOf(namespaceId: string, records: readonly SecretRecord[]): number[] {
    const secrets = this.byNamespace.get(namespaceId);
    let next = this.nextSeq;
    return records.map((record) => secrets?.get(record.key)?.seq ?? next++);
  }

  /** A namespace's secrets in the index's order. */
  records(namespaceId: string): SecretRecord[] {
    return [...(this.byNamespace.get(namespaceId)?.values() ?? [])].map((entry) => entry.record);
  }

  /** Every entry, namespace by namespace (in `namespaces` order), each in the index's order. */
  eachEntry(visit: (namespaceIndex: number, entry: IndexedSecret) => void): void {
    for (let namespaceIndex = 0; namespaceIndex < this.namespaces.length; namespaceIndex++) {
      const secrets = this.byNamespace.get(this.namespaces[namespaceIndex].id);
      if (secrets) for (const entry of secrets.values()) visit(namespaceIndex, entry);
    }
  }

  /** The first sync: the index becomes what the lists returned, and no change is recorded. */
  baseline(namespaces: NamespaceRecord[], lists: ReadonlyMap<string, SecretRecord[]>): void {
    this.namespaces = namespaces;
    this.byNamespace.clear();
    for (const namespace of namespaces) {
      const secrets = new Map<string, IndexedSecret>();
      for (const record of lists.get(namespace.id) ?? []) secrets.set(record.key, { record, seq: this.nextSeq++ });
      this.byNamespace.set(namespace.id, secrets);
    }
    this.version++;
  }

  /** What a later sync's lists change, without changing the index. */
  diff(
    namespaces: NamespaceRecord[],
    lists: ReadonlyMap<string, SecretRecord[]>,
    at: Date,
    matched?: WeakSet<SecretRecord>,
  ): SecretChangeRecord[] {
    const steps = this.diffing(namespaces, lists, at, matched);
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
  }

  /**
   * The same, a slice of secrets at a time with the event loop free in between: comparing 20,000
   * secrets takes some 40 ms, which requests should not wait behind.
   */
  async diffInSlices(
    namespaces: NamespaceRecord[],
    lists: ReadonlyMap<string, SecretRecord[]>,
    at: Date,
    matched?: WeakSet<SecretRecord>,
  ): Promise<SecretChangeRecord[]> {
    const steps = this.diffing(namespaces, lists, at, matched);
    for (let step = steps.next(); ; step = steps.next()) {
      if (step.done) return step.value;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The diff, pausing (yield) after every slice of secrets. `matched`: records already found equal to
   * the index when their page came (`changesIn`), not compared again.
   */
  private *diffing(
    namespaces: NamespaceRecord[],
    lists: ReadonlyMap<string, SecretRecord[]>,
    at: Date,
    matched?: WeakSet<SecretRecord>,
  ): Generator<void, SecretChangeRecord[]> {
    const changes: SecretChangeRecord[] = [];
    const listed = new Set(namespaces.map((ns) => ns.id));
    let compared = 0;
    for (const namespace of namespaces) {
      const before = this.byNamespace.get(namespace.id) ?? new Map<string, IndexedSecret>();
      const now = lists.get(namespace.id) ?? [];
      const seen = new Set<string>();
      for (const record of now) {
        if (++compared % DIFF_SLICE === 0) yield;
        seen.add(record.key);
        if (matched?.has(record)) continue;
        const change = this.changeOf(namespace.id, before.get(record.key), record, at);
        if (change) changes.push(change);
      }
      for (const [key, old] of before)
        if (!seen.has(key)) changes.push(this.deletion(namespace.id, key, old.record, at));
    }
    // A namespace that is gone takes its secrets with it.
    for (const [namespaceId, before] of this.byNamespace)
      if (!listed.has(namespaceId))
        for (const [key, old] of before) changes.push(this.deletion(namespaceId, key, old.record, at));
    return changes;
  }

  /**
   * What one page of a sync changes in a namespace the index has: creations and updates only (a page
   * cannot tell a deletion; the whole list can). A record on a page exists at the cloud as it shows
   * it, wherever the page falls, so these are found as the page arrives, not when the sync ends.
   */
  changesIn(
    namespaceId: string,
    records: readonly SecretRecord[],
    at: Date,
    /** Collects the records that equal the index: the sync's diff need not compare them again. */
    matched?: WeakSet<SecretRecord>,
  ): SecretChangeRecord[] {
    const before = this.byNamespace.get(namespaceId);
    if (!before) return [];
    const changes: SecretChangeRecord[] = [];
    for (const record of records) {
      const change = this.changeOf(namespaceId, before.get(record.key), record, at);
      if (change) changes.push(change);
      else matched?.add(record);
    }
    return changes;
  }

  private changeOf(
    namespaceId: string,
    old: IndexedSecret | undefined,
    record: SecretRecord,
    at: Date,
  ): SecretChangeRecord | null {
    if (old && sameJson(old.record, record)) return null;
    const base = { at, sourceId: this.sourceId, namespaceId, key: record.key, record };
    return old
      ? { ...base, kind: 'UPDATED', changedFields: changedFields(old.record, record) }
      : { ...base, kind: 'CREATED', changedFields: Object.keys(record).sort() };
  }

  private deletion(namespaceId: string, key: string, record: SecretRecord, at: Date): SecretChangeRecord {
    return {
      kind: 'DELETED',
      at,
      sourceId: this.sourceId,
      namespaceId,
      key,
      record,
      changedFields: Object.keys(record).sort(),
    };
  }

  /** Applies changes (this replica's sync's, or another's from the fleet's stream) and the namespaces they came with. */
  apply(changes: readonly SecretChangeRecord[], namespaces?: NamespaceRecord[]): void {
    // A sync that found nothing new keeps the version, and with it every sorted order built on the index.
    const namespacesChanged =
      namespaces !== undefined && JSON.stringify(namespaces) !== JSON.stringify(this.namespaces);
    if (namespaces) {
      this.namespaces = namespaces;
      for (const namespace of namespaces)
        if (!this.byNamespace.has(namespace.id)) this.byNamespace.set(namespace.id, new Map());
    }
    for (const change of changes) {
      let secrets = this.byNamespace.get(change.namespaceId);
      if (!secrets) this.byNamespace.set(change.namespaceId, (secrets = new Map()));
      if (change.kind === 'DELETED') secrets.delete(change.key);
      else {
        const old = secrets.get(change.key);
        secrets.set(change.key, { record: change.record, seq: old?.seq ?? this.nextSeq++ });
      }
    }
    if (namespaces) {
      const listed = new Set(namespaces.map((ns) => ns.id));
      for (const namespaceId of [...this.byNamespace.keys()])
        if (!listed.has(namespaceId)) this.byNamespace.delete(namespaceId);
    }
    if (changes.length > 0 || namespacesChanged) this.version++;
  }

  /** The whole index, for the fleet's snapshot. */
  snapshot(): {
    namespaces: NamespaceRecord[];
    secrets: Array<{ namespaceId: string; record: SecretRecord; seq: number }>;
  } {
    const secrets: Array<{ namespaceId: string; record: SecretRecord; seq: number }> = [];
    for (const [namespaceId, entries] of this.byNamespace)
      for (const entry of entries.values()) secrets.push({ namespaceId, record: entry.record, seq: entry.seq });
    return { namespaces: this.namespaces, secrets };
  }

  /** Replaces the index with a snapshot (a replica that starts late). */
  restore(snapshot: ReturnType<SourceIndex['snapshot']>): void {
    this.namespaces = snapshot.namespaces;
    this.byNamespace.clear();
    for (const namespace of snapshot.namespaces) this.byNamespace.set(namespace.id, new Map());
    for (const { namespaceId, record, seq } of [...snapshot.secrets].sort((a, b) => a.seq - b.seq)) {
      let secrets = this.byNamespace.get(namespaceId);
      if (!secrets) this.byNamespace.set(namespaceId, (secrets = new Map()));
      secrets.set(record.key, { record, seq });
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
    this.version++;
  }
}
