/**
 * Page arithmetic for page-number APIs: cover the rows [start, end) with as few provider pages
 * as possible, page size at most `maxPageSize`; among equal page counts, transfer the fewest rows.
 */
export interface PagePlan {
  pageSize: number;
  /** 1-based page numbers, ascending. */
  pages: number[];
}

export function planPages(start: number, end: number, maxPageSize: number): PagePlan {
  if (end <= start) return { pageSize: Math.min(maxPageSize, 1), pages: [] };
  let best: { size: number; first: number; last: number } | null = null;
  for (let size = 1; size <= maxPageSize; size++) {
    const first = Math.floor(start / size);
    const last = Math.floor((end - 1) / size);
    const count = last - first + 1;
    if (!best) {
      best = { size, first, last };
      continue;
    }
    const bestCount = best.last - best.first + 1;
    if (count < bestCount || (count === bestCount && count * size < bestCount * best.size))
      best = { size, first, last };
  }
  const pages: number[] = [];
  for (let p = best!.first; p <= best!.last; p++) pages.push(p + 1);
  return { pageSize: best!.size, pages };
}

/** Whole pages of the largest size: more rows per call, and the same pages for every window. */
export function alignedPages(start: number, end: number, maxPageSize: number): PagePlan {
  const pages: number[] = [];
  for (let p = Math.floor(start / maxPageSize); p <= Math.floor((end - 1) / maxPageSize); p++) pages.push(p + 1);
  return { pageSize: maxPageSize, pages };
}
