import { randomBytes } from 'node:crypto';
import type { SecretChangeRecord } from './source-index.js';

/** A change as the feed keeps it: its place in the feed's order. */
export interface FeedChange extends SecretChangeRecord {
  /** Increasing, never reused: what feed cursors hold. */
  seq: number;
}

export type ChangeListener = (change: FeedChange) => void;

/**
 * The change feed: every change every sync found, in order, for `retentionMs`. In a fleet the order
 * (and `seq`) is the Redis stream's, so every replica numbers the same change alike.
 */
export class ChangeLog {
  private readonly changes: FeedChange[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly gapListeners = new Set<() => void>();
  /** The seq of the first change ever appended is 1; `trimmedThrough` is the last one dropped. */
  private lastSeq = 0;
  private trimmedThrough = 0;
  private lastAt = 0;
  private generation = 0;
  /** Every change found at or after this instant (ms) is in the log. */
  private completeSince: number;
  private readonly name: string;

  constructor(
    private readonly retentionMs: number,
    /** `name`: what the log's seqs count in (a fleet's stream); a fresh random one per log by default. */
    options: { name?: string; now?: Date } = {},
  ) {
    this.name = options.name ?? randomBytes(6).toString('base64url');
    this.completeSince = (options.now ?? new Date()).getTime();
  }

  /**
   * What cursors must match to be read against this log: another log (this process restarted) or
   * one from before a gap counts its seqs otherwise, and its holder must resync.
   */
  get epoch(): string {
    return `${this.name}.${this.generation}`;
  }

  /**
   * Changes found before `at` may be missing (a source's first sync took them into its baseline
   * without recording them): every cursor issued so far, and every `since` before `at`, must resync.
   */
  gap(at: Date): void {
    this.generation++;
    this.completeSince = Math.max(this.completeSince, at.getTime());
    for (const listener of this.gapListeners) listener();
  }

  /** Appends changes; `seq` is given when they come numbered (the fleet's stream), else the next. */
  append(
    changes: readonly SecretChangeRecord[],
    seq?: (change: SecretChangeRecord, i: number) => number,
  ): FeedChange[] {
    const added = changes.map((change, i) => ({ ...change, seq: seq ? seq(change, i) : this.lastSeq + i + 1 }));
    for (const change of added) {
      if (change.seq <= this.lastSeq) continue;
      // Times follow the feed's order (syncs of two sources may finish out of order, clocks of two
      // replicas may differ): `since` and the retention then cut the feed at one place.
      if (change.at.getTime() < this.lastAt) change.at = new Date(this.lastAt);
      this.lastAt = change.at.getTime();
      this.lastSeq = change.seq;
      this.changes.push(change);
      for (const listener of this.listeners) listener(change);
    }
    this.trim();
    return added;
  }

  private trim(now = Date.now()): void {
    let drop = 0;
    while (drop < this.changes.length && now - this.changes[drop].at.getTime() > this.retentionMs) drop++;
    if (drop > 0) {
      const last = this.changes[drop - 1];
      this.trimmedThrough = last.seq;
      this.completeSince = Math.max(this.completeSince, last.at.getTime() + 1);
      this.changes.splice(0, drop);
    }
  }

  /**
   * Changes up to `seq` were made before this log began (a replica that joins a fleet late, whose
   * stream no longer holds them): a cursor before it gets null from `after`, and must resync.
   */
  resumeAt(seq: number): void {
    if (seq <= this.lastSeq) return;
    this.lastSeq = seq;
    this.trimmedThrough = seq;
  }

  /** The newest seq so far (0 before any change). */
  get head(): number {
    return this.lastSeq;
  }

  /** The seq just before the oldest change kept. */
  get floor(): number {
    this.trim();
    return this.trimmedThrough;
  }

  /** The earliest instant from which every change found is kept: a `since` before it must resync. */
  get keptSince(): Date {
    this.trim();
    return new Date(this.completeSince);
  }

  /**
   * Changes after `seq`, oldest first; null when some of them are no longer kept (the caller must
   * resync from the inventory).
   */
  after(seq: number): readonly FeedChange[] | null {
    this.trim();
    if (seq < this.trimmedThrough) return null;
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid].seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.changes.slice(lo);
  }

  /**
   * The first `count` changes after `seq` that `keep` accepts, oldest first; null when some after
   * `seq` are no longer kept. `end` is where the next page starts: past every change looked at (those
   * `keep` refused too) up to the next one it accepts, so that a reader going from `end` to `end`
   * meets every change it accepts exactly once, and an empty page still moves it on.
   */
  page(
    seq: number,
    count: number,
    keep: (change: FeedChange) => boolean,
  ): { changes: FeedChange[]; end: number; more: boolean } | null {
    const rest = this.after(seq);
    if (!rest) return null;
    const changes: FeedChange[] = [];
    let end = seq;
    for (const change of rest) {
      const accepted = keep(change);
      if (accepted && changes.length === count) return { changes, end, more: true };
      end = change.seq;
      if (accepted) changes.push(change);
    }
    return { changes, end, more: false };
  }

  /** The seq just before the first change at or after `at`. */
  seqBefore(at: Date): number {
    this.trim();
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid].at.getTime() < at.getTime()) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.changes.length ? this.changes[lo].seq - 1 : this.lastSeq;
  }

  /** Listeners now (one per live subscription). */
  get subscribers(): number {
    return this.listeners.size;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called on every gap (the epoch changes): followers of the log must resync. */
  onGap(listener: () => void): () => void {
    this.gapListeners.add(listener);
    return () => this.gapListeners.delete(listener);
  }
}
