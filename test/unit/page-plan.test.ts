import { describe, expect, it } from 'vitest';
import { planPages } from '../../src/pagination/page-plan.js';

/** Brute force: the fewest pages any size up to max could cover [start, end) with. */
function fewest(start: number, end: number, max: number): number {
  let best = Infinity;
  for (let size = 1; size <= max; size++)
    best = Math.min(best, Math.floor((end - 1) / size) - Math.floor(start / size) + 1);
  return best;
}

describe('planPages', () => {
  it('covers a first page with one call', () => {
    expect(planPages(0, 100, 100)).toEqual({ pageSize: 100, pages: [1] });
    expect(planPages(0, 7, 100)).toEqual({ pageSize: 7, pages: [1] });
  });

  it('finds a single page for an unaligned window when one exists', () => {
    const plan = planPages(7, 14, 100);
    expect(plan.pages).toHaveLength(1);
    const offset = (plan.pages[0] - 1) * plan.pageSize;
    expect(offset).toBeLessThanOrEqual(7);
    expect(offset + plan.pageSize).toBeGreaterThanOrEqual(14);
  });

  it('needs two pages for 100 rows that do not start on a boundary', () => {
    expect(planPages(150, 250, 100).pages).toHaveLength(2);
  });

  it('is minimal and covers the window for every window up to 100 rows', () => {
    for (let start = 0; start < 400; start += 13) {
      for (const want of [1, 2, 7, 33, 50, 99, 100]) {
        const plan = planPages(start, start + want, 100);
        expect(plan.pages.length).toBe(fewest(start, start + want, 100));
        expect(plan.pageSize).toBeLessThanOrEqual(100);
        const from = (plan.pages[0] - 1) * plan.pageSize;
        const to = plan.pages[plan.pages.length - 1] * plan.pageSize;
        expect(from).toBeLessThanOrEqual(start);
        expect(to).toBeGreaterThanOrEqual(start + want);
      }
    }
  });
});
