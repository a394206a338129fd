import type { ListCall, ListResult, SegmentLists } from '../../src/pagination/paging/scheme.js';
import type { PrefetchBudget } from '../../src/pagination/segment.js';
import type { PushedQuery } from '../../src/domain/records.js';

/**
 * A segment's lists with no memo and no cache: every read is a call. `reads` and `aheads` record
 * the keys asked, in order, so that tests can assert exactly which provider calls a pager made.
 * With `ahead`, read-ahead makes its call at once when the budget allows (as a cache miss would).
 */
export function directLists(
  namespaceId = 'ns',
  query: PushedQuery = {},
  options: { ahead?: boolean } = {},
): SegmentLists & { reads: string[]; aheads: string[] } {
  const reads: string[] = [];
  const aheads: string[] = [];
  return {
    namespaceId,
    query,
    key: JSON.stringify(['src', namespaceId, query]),
    reads,
    aheads,
    read<T extends ListResult>(call: ListCall<T>): Promise<T> {
      reads.push(call.key);
      return call.call();
    },
    ahead: options.ahead
      ? async <T extends ListResult>(call: ListCall<T>, budget: PrefetchBudget): Promise<T | undefined> => {
          if (!budget.take()) return undefined;
          aheads.push(call.key);
          return call.call().catch(() => undefined);
        }
      : undefined,
  };
}
