import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SecretRecord } from '../../src/domain/records.js';
import { ChangeLog, type FeedChange } from '../../src/inventory/changes.js';
import type { SecretChangeRecord } from '../../src/inventory/source-index.js';

const SEED = Number(process.env.FEED_SEED ?? 20_261_207);

function change(sourceId: string, name: string, at: number): SecretChangeRecord {
  const record = { provider: 'p', sourceId, namespaceId: 'ns', key: name, name } as SecretRecord;
  return { kind: 'CREATED', at: new Date(at), sourceId, namespaceId: 'ns', key: name, record, changedFields: [] };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ChangeLog', () => {
  it('a reader going from end to end meets every accepted change once, in order, whatever the page sizes and appends in between', () => {
    type Step = { append: Array<{ source: string; at: number }> } | { read: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        append: fc.array(fc.record({ source: fc.constantFrom('a', 'b', 'c'), at: fc.integer({ min: 0, max: 1000 }) }), {
          maxLength: 6,
        }),
      }),
      fc.record({ read: fc.integer({ min: 0, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.constantFrom('a', 'b'), (steps, hidden) => {
        const log = new ChangeLog(Number.MAX_SAFE_INTEGER, { now: new Date(0) });
        const keep = (c: FeedChange) => c.sourceId !== hidden;
        const read: FeedChange[] = [];
        let position = 0;
        let n = 0;
        const readPage = (count: number) => {
          const page = log.page(position, count, keep)!;
          expect(page.changes.length).toBeLessThanOrEqual(count);
          // A full page says whether more follow; a short one never does.
          if (page.changes.length < count) expect(page.more).toBe(false);
          expect(page.end).toBeGreaterThanOrEqual(position);
          read.push(...page.changes);
          position = page.end;
          return page;
        };
        for (const s of steps) {
          if ('read' in s) readPage(s.read);
          else log.append(s.append.map(({ source, at }) => change(source, `s${n++}`, at)));
        }
        while (readPage(3).more);
        const all = log.after(0)!;
        expect(read.map((c) => c.seq)).toEqual(all.filter(keep).map((c) => c.seq));
        // Drained: the position is at the newest change, accepted or not.
        expect(position).toBe(log.head);
        // Times follow the order, so `since` cuts the feed at one place.
        for (let i = 1; i < all.length; i++)
          expect(all[i].at.getTime()).toBeGreaterThanOrEqual(all[i - 1].at.getTime());
        for (const t of [0, 250, 500, 1001]) {
          const before = log.seqBefore(new Date(t));
          expect(all.filter((c) => c.seq <= before).every((c) => c.at.getTime() < t)).toBe(true);
          expect(all.filter((c) => c.seq > before).every((c) => c.at.getTime() >= t)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('changes past the retention are dropped: reading from before them is refused, keptSince moves past them', () => {
    vi.useFakeTimers({ now: 10_000 });
    const log = new ChangeLog(1000, { now: new Date(10_000) });
    log.append([change('a', 'one', 10_000), change('a', 'two', 10_500)]);
    expect(log.after(0)?.map((c) => c.key)).toEqual(['one', 'two']);
    vi.setSystemTime(11_200);
    expect(log.after(0)).toBeNull();
    expect(log.after(1)?.map((c) => c.key)).toEqual(['two']);
    expect(log.floor).toBe(1);
    expect(log.keptSince.getTime()).toBe(10_001);
    vi.setSystemTime(20_000);
    expect(log.page(1, 10, () => true)).toBeNull();
    expect(log.page(2, 10, () => true)).toEqual({ changes: [], end: 2, more: false });
  });

  it('a gap changes the epoch and keptSince; another log (a restart) has another epoch', () => {
    const log = new ChangeLog(60_000, { now: new Date(5_000) });
    const epoch = log.epoch;
    expect(log.keptSince.getTime()).toBe(5_000);
    log.gap(new Date(7_000));
    expect(log.epoch).not.toBe(epoch);
    expect(log.keptSince.getTime()).toBe(7_000);
    expect(new ChangeLog(60_000).epoch).not.toBe(new ChangeLog(60_000).epoch);
    expect(new ChangeLog(60_000, { name: 'stream' }).epoch).toBe(new ChangeLog(60_000, { name: 'stream' }).epoch);
  });

  it('numbered changes (the fleet) keep their seq; one seen already is not appended twice', () => {
    const log = new ChangeLog(60_000);
    const now = Date.now();
    log.append([change('a', 'x', now), change('a', 'y', now + 1)], (_c, i) => 100 + i * 10);
    log.append([change('a', 'y', now + 1)], () => 110);
    expect(log.after(0)?.map((c) => c.seq)).toEqual([100, 110]);
    expect(log.seqBefore(new Date(now + 1))).toBe(109);
  });
});
