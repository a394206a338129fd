import { afterEach, describe, expect, it, vi } from 'vitest';
import { soleNamespace } from '../../src/domain/records.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { createLogger } from '../../src/logger.js';
import { unpagedPaging } from '../../src/pagination/paging/unpaged.js';
import type { SecretSource } from '../../src/sources/types.js';

/** A source whose list answers when the test lets it: a sync as long as the test wants. */
function slowSource(): { source: SecretSource; answer: () => void } {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  const source = {
    id: 'slow',
    provider: 'fake-vault',
    region: 'lab-1',
    paging: unpagedPaging({
      fetchAll: async () => {
        await answered;
        return [];
      },
    }),
    listNamespaces: async () =>
      soleNamespace('slow', 'fake-vault' as SecretSource['provider'], 'PROJECT', 'team-a', 'lab-1'),
  } as unknown as SecretSource;
  return { source, answer };
}

const at = (iso: string) => vi.setSystemTime(new Date(`2026-01-01T00:00:${iso}Z`));

afterEach(() => {
  vi.useRealTimers();
});

describe('inventory freshness', () => {
  it('counts from the end of a sync: one that takes longer than two periods leaves a fresh index', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('00.000');
    const { source, answer } = slowSource();
    const inventory = new Inventory(
      [{ source, policy: { refreshMs: 1000, maxAgeMs: 2000 }, position: 0 }],
      createLogger({ level: 'silent' }),
      { retentionMs: 60_000 },
    );
    const sync = inventory.syncNow('slow');
    at('05.000');
    answer();
    await sync;
    // asOf stays the sync's start: the index holds the list as it was from then on.
    expect(inventory.status('slow')).toMatchObject({ state: 'FRESH', syncedAt: new Date('2026-01-01T00:00:00Z') });
    expect(inventory.fresh('slow')).not.toBeNull();
    at('07.000');
    expect(inventory.status('slow')?.state).toBe('FRESH');
    at('07.001');
    expect(inventory.status('slow')?.state).toBe('STALE');
    expect(inventory.fresh('slow')).toBeNull();
  });
});
