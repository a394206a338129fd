import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../pagination/page-size.js';

/**
 * What a field may cost in upstream calls, for the cost limit (src/server/query-limits.ts). A
 * node costs 1 (its share of list or lookup calls) plus 1 per detail or value field selected on
 * it; a connection multiplies that by its page size, a lookup by the number of ids. Lists whose
 * length is unknown before the call (namespaces, related apps) count as ESTIMATED_LIST items.
 */

export const DETAIL_CALL = 1;
export const ESTIMATED_LIST = 10;

export function pageCost(args: { first?: number | null; last?: number | null }): { field: number; multiplier: number } {
  const asked = args.first ?? args.last ?? DEFAULT_PAGE_SIZE;
  // Out-of-range sizes are rejected by the connection itself, with a clearer error than the cost's.
  const size = Number.isInteger(asked) ? Math.min(Math.max(asked, 1), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  return { field: size, multiplier: size };
}

export function lookupCost(count: number): { field: number; multiplier: number } {
  return { field: count, multiplier: count };
}

export const listCost = { field: 1, multiplier: ESTIMATED_LIST };
