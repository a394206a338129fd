/** Scenario 4: all sources, first page of 100 (and the same with totalCount, as the README's example asks). */
import { PAGE_QUERY, PAGE_WITH_TOTAL_QUERY, requestBody } from '../lib/graphql.js';
import { type Case, expectEdges, single } from '../lib/cases.js';
import { pageMinimum, pageWithTotalMinimum, segments, type Limits } from '../lib/plan.js';
import type { RequestScenario } from '../lib/requests.js';
import type { InventorySummary } from '../lib/types.js';

function cases(inventory: InventorySummary, limits: Limits, connections: number): Case[] {
  const segs = segments(inventory);
  return [
    {
      key: '4-all',
      title: 'all sources, first 100',
      minimum: pageMinimum(segs, 100, limits),
      connections,
      run: single(requestBody(PAGE_QUERY, { first: 100 }), expectEdges(100)),
    },
    {
      key: '4-all-total',
      title: 'all sources, first 100 + totalCount',
      minimum: pageWithTotalMinimum(segs, 100, limits),
      note: segs.some((s) => s.paging === 'marker' || s.paging === 'token')
        ? 'totalCount is null (CSMS and AWS cannot count): reading other sources cannot change that'
        : undefined,
      connections,
      run: single(requestBody(PAGE_WITH_TOTAL_QUERY, { first: 100 }), expectEdges(100)),
    },
  ];
}

export const allSources: RequestScenario = { kind: 'requests', number: 4, name: 'all-sources', cases };
