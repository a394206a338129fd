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
  /** The seq of the first change ever appended is 1; `trimmedThrough` is the last one dropped. */
  private lastSeq = 0;
  private trimmedThrough = 0;

  constructor(private readonly retentionMs: number) {}

  /** Appends changes; `seq` is given when they come numbered (the fleet's stream), else the next. */
  append(
    changes: readonly SecretChangeRecord[],
    seq?: (change: SecretChangeRecord, i: number) => number,
  ): FeedChange[] {
    const added = changes.map((change, i) => ({ ...change, seq: seq ? seq(change, i) : this.lastSeq + i + 1 }));
    for (const change of added) {
      if (change.seq <= this.lastSeq) continue;
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
      this.trimmedThrough = this.changes[drop - 1].seq;
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

  /** The seq just before the first change at or after `at`. */
  seqBefore(at: Date): number {
    this.trim();
    const first = this.changes.find((change) => change.at.getTime() >= at.getTime());
    return first ? first.seq - 1 : this.lastSeq;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
