import type { NamespaceRecord, SecretRecord } from '../domain/records.js';
import type { Logger } from '../logger.js';
import type { ListCall, ListResult, SegmentLists } from '../pagination/paging/scheme.js';
import type { SecretSource } from '../sources/types.js';
import { UpstreamError } from '../upstream/errors.js';
import type { RequestScope } from '../upstream/request-scope.js';

/** What one full read of a source found, and what it cost. */
export interface SourceRead {
  namespaces: NamespaceRecord[];
  lists: Map<string, SecretRecord[]>;
  /** ListSecrets calls that reached the cloud (refusals for want of free capacity are not calls). */
  listCalls: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A refusal by the upstream path itself (no free slot or token): nothing reached the cloud. */
function refusedLocally(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.info.code === 'UPSTREAM_THROTTLED' &&
    error.info.httpStatus === null &&
    error.info.providerCode === null
  );
}

/**
 * Reads a source whole with its list calls only, each namespace in the fewest calls its paging scheme
 * allows (`scan`). Every call is speculative: it takes only capacity that clients leave free, so the
 * sync never holds back a client's call; refused, it waits and asks again. A throttled call backs off
 * (the provider's hint, else exponentially) and is retried; any other failure ends the read.
 */
export async function readSource(
  source: SecretSource,
  logger: Logger,
  options: { deadlineMs: number; maxThrottledAttempts?: number },
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
  const maxThrottled = options.maxThrottledAttempts ?? 8;

  async function read<T extends ListResult>(call: ListCall<T>): Promise<T> {
    for (let throttled = 0, refused = 0; ; ) {
      try {
        const result = await call.call(scope);
        listCalls++;
        return result;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        if (refusedLocally(error)) {
          // Clients are using the capacity: wait for some to come free (jittered, growing to 1 s).
          await sleep(Math.min(1000, 25 * 2 ** Math.min(refused++, 6)) * (0.5 + Math.random() / 2));
          continue;
        }
        listCalls++;
        if (!(error instanceof UpstreamError) || !error.info.retryable || ++throttled >= maxThrottled) throw error;
        await sleep(error.info.retryAfterMs ?? Math.min(30_000, 250 * 2 ** throttled) * (0.5 + Math.random() / 2));
      }
    }
  }

  const namespaces = await source.listNamespaces(scope);
  const lists = new Map<string, SecretRecord[]>();
  for (const namespace of namespaces) {
    const segment: SegmentLists = {
      namespaceId: namespace.id,
      query: {},
      key: JSON.stringify([source.id, namespace.id, {}]),
      read,
    };
    lists.set(namespace.id, await source.paging.scan(segment));
  }
  return { namespaces, lists, listCalls };
}
