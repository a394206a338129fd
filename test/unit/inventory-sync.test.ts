import { describe, expect, it } from 'vitest';
import { soleNamespace, type SecretRecord } from '../../src/domain/records.js';
import { readSource } from '../../src/inventory/sync.js';
import { createLogger } from '../../src/logger.js';
import { pageNumberPaging } from '../../src/pagination/paging/page-number.js';
import type { SecretSource } from '../../src/sources/types.js';
import { UpstreamCaller } from '../../src/upstream/call.js';

/**
 * A source read whole through the real upstream path (speculative calls: free slots only), its
 * provider a plain function answering page-number pages after a few milliseconds.
 */
const PAGES = 40;
const logger = createLogger({ level: 'silent' });

function pagedSource() {
  const upstream = new UpstreamCaller(
    'alibaba-kms',
    'kms-sync',
    {
      // One slot stays with clients: the sync gets two.
      maxConcurrency: 3,
      timeoutMs: 1000,
      rateLimit: { perSecond: 10_000, burst: 10_000 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      circuitBreaker: { failureThreshold: 100, halfOpenAfterMs: 1000 },
    },
    { name: 'ALIBABA_KMS', errorCodes: {} },
    logger,
  );
  const counts = { asked: 0, answered: 0 };
  const record = (i: number) => ({ key: `s-${i}`, name: `s-${i}` }) as SecretRecord;
  const source = {
    id: 'kms-sync',
    provider: 'alibaba-kms',
    region: 'cn-hangzhou',
    listNamespaces: async () => soleNamespace('kms-sync', 'alibaba-kms', 'REGION', 'cn-hangzhou', 'cn-hangzhou'),
    paging: pageNumberPaging({
      maxPageSize: 10,
      fetchPage: (_namespace, _query, page, size, scope) => {
        counts.asked++;
        return upstream.call(
          'ListSecrets',
          async () => {
            counts.answered++;
            await new Promise((resolve) => setTimeout(resolve, 5));
            return {
              items: Array.from({ length: size }, (_, i) => record((page - 1) * size + i)),
              totalCount: PAGES * size,
            };
          },
          scope,
        );
      },
    }),
  } as unknown as SecretSource;
  return { source, counts };
}

describe('the inventory sync', () => {
  it('reads a source of many pages whole, its refused pages waiting for its own calls to end rather than polling', async () => {
    const { source, counts } = pagedSource();
    const read = await readSource(source, logger, { deadlineMs: 30_000 });
    expect(read.listCalls).toBe(PAGES);
    expect(counts.answered).toBe(PAGES);
    expect(read.lists.get('cn-hangzhou')).toHaveLength(PAGES * 10);
    // Page 1 alone, then 39 asked at once: 2 slots free, 37 refused once each, then let in one by one.
    expect(counts.asked - counts.answered).toBeLessThan(PAGES);
  });
});
