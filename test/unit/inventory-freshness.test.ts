import { afterEach, describe, expect, it, vi } from 'vitest';
import { soleNamespace } from '../../src/domain/records.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { createLogger } from '../../src/logger.js';
import { unpagedPaging } from '../../src/pagination/paging/unpaged.js';
import type { SecretSource } from '../../src/sources/types.js';

/** A one-namespace source whose list is `list()`: as slow as the test makes it. */
function fakeSource(id: string, list: () => Promise<void>): SecretSource {
  return {
    id,
    provider: 'fake-vault',
    region: 'lab-1',
    paging: unpagedPaging({
      fetchAll: async () => {
        await list();
        return [];
      },
    }),
    listNamespaces: async () =>
      soleNamespace(id, 'fake-vault' as SecretSource['provider'], 'PROJECT', 'team-a', 'lab-1'),
  } as unknown as SecretSource;
}

/** A source whose list answers when the test lets it: a sync as long as the test wants. */
function slowSource(): { source: SecretSource; answer: () => void } {
  let answer!: () => void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  return { source: fakeSource('slow', () => answered), answer };
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

describe('inventory sync schedule', () => {
  /** A source whose every list takes `listMs`; the times its syncs began. */
  function timedSource(listMs: number): { source: SecretSource; starts: number[] } {
    const starts: number[] = [];
    const source = fakeSource('timed', async () => {
      starts.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, listMs));
    });
    return { source, starts };
  }

  it.each([
    { listMs: 300, starts: [0, 1000, 2000, 3000] },
    // Longer than the period: the next begins as the last ends.
    { listMs: 1400, starts: [0, 1400, 2800] },
  ])('starts a sync every refreshMs, whatever each takes (list $listMs ms)', async ({ listMs, starts: expected }) => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const { source, starts } = timedSource(listMs);
    const inventory = new Inventory(
      [{ source, policy: { refreshMs: 1000, maxAgeMs: 2000 }, position: 0 }],
      createLogger({ level: 'silent' }),
      { retentionMs: 60_000 },
    );
    inventory.start();
    await vi.advanceTimersByTimeAsync(3500);
    await inventory.stop();
    // A timer of 0 ms fires after 1: a few ms late at most.
    expect(starts).toHaveLength(expected.length);
    for (const [i, start] of starts.entries())
      expect(start - expected[i]).toSatisfy((late: number) => late >= 0 && late <= 5);
  });
});

describe('a replica restoring the fleet’s snapshot', () => {
  it('counts freshness from when that sync was applied, not from its start', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at('10.000');
    const { source } = slowSource();
    const inventory = new Inventory(
      [{ source, policy: { refreshMs: 1000, maxAgeMs: 2000 }, position: 0 }],
      createLogger({ level: 'silent' }),
      { retentionMs: 60_000 },
    );
    const snapshot = {
      namespaces: soleNamespace('slow', 'fake-vault' as SecretSource['provider'], 'PROJECT', 'team-a', 'lab-1'),
      secrets: [],
    };
    // A sync that began 5 s ago and was applied 0.5 s ago: older than maxAge by its start, fresh by its end.
    const sync = {
      at: new Date('2026-01-01T00:00:05Z'),
      listCalls: 3,
      completedAt: Date.parse('2026-01-01T00:00:09.500Z'),
    };
    inventory.restore('slow', snapshot, sync);
    expect(inventory.status('slow')).toMatchObject({ state: 'FRESH', syncedAt: sync.at });
    at('11.500');
    expect(inventory.status('slow')?.state).toBe('FRESH');
    at('11.501');
    expect(inventory.status('slow')?.state).toBe('STALE');
  });
});

describe('inventory sync schedule, several sources', () => {
  it('spreads the sources over the period after their first syncs', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const starts = new Map<string, number[]>();
    const sources = ['a', 'b', 'c', 'd'].map((id) =>
      fakeSource(id, async () => {
        starts.set(id, [...(starts.get(id) ?? []), Date.now()]);
      }),
    );
    const inventory = new Inventory(
      sources.map((source, position) => ({ source, policy: { refreshMs: 1000, maxAgeMs: 2000 }, position })),
      createLogger({ level: 'silent' }),
      { retentionMs: 60_000 },
    );
    inventory.start();
    await vi.advanceTimersByTimeAsync(2900);
    await inventory.stop();
    const late = (times: number[], expected: number[]) =>
      expect(
        times.map((t, i) => t - expected[i]).every((d) => d >= 0 && d <= 5) && times.length === expected.length,
      ).toBe(true);
    late(starts.get('a')!, [0, 1000, 2000]);
    late(starts.get('b')!, [0, 1250, 2250]);
    late(starts.get('c')!, [0, 1500, 2500]);
    late(starts.get('d')!, [0, 1750, 2750]);
  });
});

describe('serving key (what the fleet’s shared response cache keys on)', () => {
  const record = (name: string, updated: string) => ({
    provider: 'fake-vault',
    sourceId: 'vault',
    namespaceId: 'team-a',
    key: name,
    name,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date(updated),
  });
  /** A source whose list is whatever the test last put in `list`. */
  function listedSource(list: { records: unknown[] }): SecretSource {
    return {
      id: 'vault',
      provider: 'fake-vault',
      region: 'lab-1',
      paging: unpagedPaging({ fetchAll: async () => list.records as never }),
      listNamespaces: async () =>
        soleNamespace('vault', 'fake-vault' as SecretSource['provider'], 'PROJECT', 'team-a', 'lab-1'),
    } as unknown as SecretSource;
  }
  const inventoryOf = (source: SecretSource) =>
    new Inventory(
      [{ source, policy: { refreshMs: 60_000, maxAgeMs: 120_000 }, position: 0 }],
      createLogger({ level: 'silent' }),
      { retentionMs: 60_000 },
    );

  it('is the same on replicas that applied the same entries, and never one another replica had for other content', async () => {
    const list = { records: [record('a', '2026-02-01T00:00:00Z')] as unknown[] };
    const source = listedSource(list);
    const a = inventoryOf(source);
    await a.syncNow('vault');
    const baseline = a.servingKey();
    list.records = [record('a', '2026-03-01T00:00:00Z'), record('b', '2026-03-01T00:00:00Z')];
    await new Promise((resolve) => setTimeout(resolve, 5));
    const changed = await a.syncNow('vault');
    expect(changed.changes?.map((c) => `${c.kind} ${c.key}`)).toEqual(['UPDATED a', 'CREATED b']);
    const current = a.servingKey();
    expect(current).not.toBe(baseline);

    // Replica B joins late: the snapshot of A's index as of that sync. Its key may differ from A's
    // for the same content (a miss), never equal one A had for other content.
    const b = inventoryOf(source);
    b.restore('vault', a.indexOf('vault')!.snapshot(), { at: changed.at, listCalls: 1 });
    expect(b.servingKey()).not.toBe(baseline);

    // The next change reaches both as the same entry (the fleet's stream): the same key again.
    const next = a.indexOf('vault')!.changesIn('team-a', [record('c', '2026-04-01T00:00:00Z') as never], new Date());
    const entry = { sourceId: 'vault', at: new Date(), listCalls: 0, changes: next, partial: true } as const;
    a.apply(entry);
    b.apply(entry);
    expect(b.servingKey()).toBe(a.servingKey());
    expect(a.servingKey()).not.toBe(current);

    // A sync that finds nothing new keeps the key (and every cached answer).
    list.records.push(record('c', '2026-04-01T00:00:00Z'));
    const kept = a.servingKey();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await a.syncNow('vault');
    expect(a.servingKey()).toBe(kept);
  });
});
