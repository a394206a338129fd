import { type ListCall, type ListResult, listsKey, type SegmentLists } from '../pagination/paging/scheme.js';
import type { PushedQuery } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import { type RequestMemo, totalKey } from './memo.js';

/**
 * A segment's list calls, as its paging scheme makes them: each once per request, through the
 * shared cache; what they list serves later lookups by key, and what they tell of an unfiltered
 * namespace's size is kept for lookups to weigh batches against a scan.
 */
export function segmentLists(
  memo: RequestMemo,
  source: SecretSource,
  namespaceId: string,
  query: PushedQuery,
): SegmentLists {
  const unfiltered = Object.values(query).every((v) => v === undefined);
  return {
    namespaceId,
    query,
    key: listsKey(source.id, namespaceId, query),
    async read<T extends ListResult>(call: ListCall<T>): Promise<T> {
      const result = await memo.once(call.key, async () => {
        const answer = await memo.shared(source, call.key, () => call.call(memo.scope));
        memo.listed(source, Array.isArray(answer) ? answer : answer.items);
        return answer;
      });
      if (call.total && unfiltered) memo.totals.set(totalKey(source, namespaceId), call.total(result));
      return result;
    },
    ahead: (call, budget) => memo.ahead(source, call.key, budget, call.call),
  };
}
