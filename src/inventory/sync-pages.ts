/**
 * The list pages of a source's first sync, by list call key, offered to live reads of that source.
 * Until a source's first sync ends every read of it is live, and a client walking it then (an export
 * begun as the gateway starts) would make again the calls the sync is making. It reads the sync's
 * pages instead: one in flight is joined, one read is used while younger than the age the caller
 * accepts (its source's cache TTL). A read whose sync call failed makes its own call.
 */
export class SyncPages {
  private readonly pages = new Map<string, { value: Promise<unknown>; readAt: number | null }>();

  /** The sync's call under `key`: made now, offered to readers from now on. */
  read<T>(key: string, call: () => Promise<T>): Promise<T> {
    const value = call();
    const page = { value: value as Promise<unknown>, readAt: null as number | null };
    this.pages.set(key, page);
    value.then(
      () => (page.readAt = Date.now()),
      () => this.pages.get(key) === page && this.pages.delete(key),
    );
    return value;
  }

  /** The sync's page under `key`, in flight or read at most `maxAgeMs` ago; undefined when there is none. */
  take<T>(key: string, maxAgeMs: number, now = Date.now()): Promise<T> | undefined {
    const page = this.pages.get(key);
    if (!page || (page.readAt !== null && now - page.readAt > maxAgeMs)) return undefined;
    return page.value as Promise<T>;
  }
}
