import type { NamespaceRecord, PushedQuery, SecretRecord } from '../domain/records.js';
import type { Logger } from '../logger.js';
import { type ListCall, type ListResult, listsKey, type SegmentLists } from '../pagination/paging/scheme.js';
import type { SecretSource } from '../sources/types.js';
import { UpstreamError } from '../upstream/errors.js';
import type { RequestScope } from '../upstream/request-scope.js';
import type { SyncPages } from './sync-pages.js';

/** What one full read of a source found, and what it cost. */
export interface SourceRead {
  namespaces: NamespaceRecord[];
  lists: Map<string, SecretRecord[]>;
  /** ListSecrets calls that reached the cloud (refusals for want of free capacity are not calls). */
  listCalls: number;
  /** Records found equal to the index as their page came: the sync's diff skips them. */
  matched?: WeakSet<SecretRecord>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clients are using the capacity (no free slot or token): nothing reached the cloud; ask again soon. */
function noFreeCapacity(error: unknown): boolean {
  return error instanceof UpstreamError && error.info.reason === 'NO_FREE_CAPACITY';
}

/**
 * Reads a source whole with its list calls only, each namespace in the fewest calls its paging scheme
 * allows (`scan`). Every call is speculative: it takes only capacity that clients leave free, so the
 * sync never holds back a client's call; refused, it waits and asks again. A throttled call backs off
 * (the provider's hint, else exponentially) and is retried; a server error once; any other failure,
 * or an open breaker, ends the read.
 */
export async function readSource(
  source: SecretSource,
  logger: Logger,
  options: {
    deadlineMs: number;
    maxThrottledAttempts?: number;
    /** Where the read's pages are offered to live reads of the source (its first sync). */
    pages?: SyncPages;
    /** Each page's rows as it arrives (a namespace listed whole is one page). */
    onPage?: (namespaceId: string, records: SecretRecord[]) => void;
    /** What the list calls are asked with (the source's `syncQuery` after the first sync); none by default. */
    query?: PushedQuery;
  },
): Promise<SourceRead> {
  const deadline = Date.now() + options.deadlineMs;
  const scope: RequestScope = {
    requestId: `inventory-sync:${source.id}`,
    deadline,
    logger,
    retries: new Map(),
    speculative: true,
  };
  let listCalls = 0;
  const maxThrottled = options.maxThrottledAttempts ?? 6;
  /** This read's calls under way, and the calls waiting for one of them to end. */
  let running = 0;
  const waiting: Array<() => void> = [];

  /** One call made with free capacity, asked again as the failure allows; `counted` calls are ListSecrets. */
  async function made<T>(call: () => Promise<T>, counted: boolean): Promise<T> {
    for (let throttled = 0, failed = 0, refused = 0; ; ) {
      running++;
      try {
        const result = await call();
        running--;
        waiting.shift()?.();
        if (counted) listCalls++;
        return result;
      } catch (error) {
        running--;
        const refusal = noFreeCapacity(error);
        // A call that was made has ended: its slot is free for a page waiting on it.
        if (!refusal) waiting.shift()?.();
        if (Date.now() >= deadline) throw error;
        if (refusal) {
          // A scan asks for all its pages at once. While the sync's own calls hold the free slots, the
          // next of them to end makes room; else clients hold them: wait for some to come free
          // (jittered, growing to 1 s).
          if (running > 0) await new Promise<void>((resolve) => waiting.push(resolve));
          else await sleep(Math.min(1000, 25 * 2 ** Math.min(refused++, 6)) * (0.5 + Math.random() / 2));
          continue;
        }
        // An open breaker (CIRCUIT_OPEN) or a failure that asking again cannot mend ends the sync.
        if (!(error instanceof UpstreamError) || !error.info.retryable || error.info.reason) throw error;
        if (counted) listCalls++;
        if (error.info.code === 'UPSTREAM_THROTTLED') {
          // The provider meters the account: back off as it says, or exponentially.
          if (++throttled >= maxThrottled) throw error;
          await sleep(error.info.retryAfterMs ?? Math.min(10_000, 250 * 2 ** throttled) * (0.5 + Math.random() / 2));
        } else {
          // A server error or timeout: once more, then the sync fails and the next one comes sooner.
          if (++failed >= 2) throw error;
          await sleep(250);
        }
      }
    }
  }

  const readIn =
    (namespaceId: string) =>
    async <T extends ListResult>(call: ListCall<T>): Promise<T> => {
      const calling = () => made(() => call.call(scope), true);
      const result = await (options.pages ? options.pages.read(call.key, calling) : calling());
      options.onPage?.(namespaceId, Array.isArray(result) ? result : result.items);
      return result;
    };

  const namespaces = await made(() => source.listNamespaces(scope), false);
  const lists = new Map<string, SecretRecord[]>();
  for (const namespace of namespaces) {
    const query = options.query ?? {};
    const segment: SegmentLists = {
      namespaceId: namespace.id,
      query,
      key: listsKey(source.id, namespace.id, query),
      read: readIn(namespace.id),
    };
    lists.set(namespace.id, await source.paging.scan(segment));
  }
  return { namespaces, lists, listCalls };
}
