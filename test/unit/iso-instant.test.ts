import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInstant } from '../../src/schema/iso-instant.js';

describe('isoInstant', () => {
  it('writes what toISOString writes, for any instant (seeded property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const date = new Date(ms);
        expect(isoInstant(date)).toBe(date.toISOString());
      }),
      { seed: 20261207, numRuns: 20_000 },
    );
  });

  it('at the edges: the epoch, day and year boundaries, the last four-digit year, before 1970', () => {
    for (const text of [
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2024-02-29T23:59:59.999Z',
      '2026-12-07T00:00:00.000Z',
      '2026-12-07T23:59:59.999Z',
      '9999-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
    ]) {
      const date = new Date(text);
      expect(isoInstant(date)).toBe(text);
    }
    expect(() => isoInstant(new Date('not a date'))).toThrow(RangeError);
  });

  it('many instants of the same days, in any order, each written right (the per-day prefix)', () => {
    const base = Date.UTC(2026, 11, 7);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3 * 86_400_000, max: 3 * 86_400_000 }), { maxLength: 200 }),
        (offsets) => {
          for (const offset of offsets)
            expect(isoInstant(new Date(base + offset))).toBe(new Date(base + offset).toISOString());
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });
});
