/**
 * The list pages of a source's first sync, by list call key, shared with live reads of that source.
 * Until a source's first sync ends every read of it is live, and a client walking it then (an export
 * begun as the gateway starts) would make again the calls the sync is making, or the sync the calls
 * the client made first (its read-ahead runs ahead of the sync). Both ways, a call is made once:
 * - a live read takes the sync's page, in flight or read while younger than the age the caller
 *   accepts (its source's cache TTL);
 * - the sync joins a call a live read made since the sync began (`offer`).
 * A failed call, either side's, is the other's to make again.
 */
export class SyncPages {
  private readonly pages = new Map<string, { value: Promise<unknown>; readAt: number | null; offered: boolean }>();
  /** Set when the sync's read ends: its pages are still taken, nothing more is offered. */
  private ended = false;

  /**
   * The sync's page under `key`: a live read's call for it, or the sync's own call, made now (a key
   * the sync reads again is called again).
   */
  read<T>(key: string, call: () => Promise<T>): Promise<T> {
    const page = this.pages.get(key);
    if (!page?.offered) return this.track(key, call(), false);
    page.offered = false;
    return (page.value as Promise<T | undefined>).then(
      (answer) => answer ?? this.track(key, call(), false),
      () => this.track(key, call(), false),
    );
  }

  /** A live read's own call under `key` (a read-ahead's may answer undefined: no page), for the sync to join. */
  offer(key: string, value: Promise<unknown>): void {
    if (!this.ended && !this.pages.has(key)) this.track(key, value, true);
  }

  /** The sync's read has ended: nobody is left to join a live read's call. */
  end(): void {
    this.ended = true;
  }

  /** The page under `key`, in flight or read at most `maxAgeMs` ago; undefined when there is none. */
  take<T>(key: string, maxAgeMs: number, now = Date.now()): Promise<T> | undefined {
    const page = this.pages.get(key);
    if (!page || (page.readAt !== null && now - page.readAt > maxAgeMs)) return undefined;
    return page.value as Promise<T>;
  }

  private track<T>(key: string, value: Promise<T>, offered: boolean): Promise<T> {
    const page = { value: value as Promise<unknown>, readAt: null as number | null, offered };
    this.pages.set(key, page);
    const drop = () => this.pages.get(key) === page && this.pages.delete(key);
    value.then((answer) => (answer === undefined ? drop() : (page.readAt = Date.now())), drop);
    return value;
  }
}
