/** Scenario 1: a page of 50 with list-only fields, per provider (scenario 6 loads the same pages). */
import { SOURCE_IDS } from '../lib/config.js';
import { PAGE_QUERY, requestBody } from '../lib/graphql.js';
import { type Case, expectEdges, NAMES, single } from '../lib/cases.js';
import { pageMinimum, segments, totalOf, type Limits } from '../lib/plan.js';
import type { RequestScenario } from '../lib/requests.js';
import { PROVIDER_KEYS, type InventorySummary, type ProviderKey } from '../lib/types.js';

export function pageCases(
  inventory: InventorySummary,
  limits: Limits,
  connections: number,
): Array<Case & { provider: ProviderKey }> {
  return PROVIDER_KEYS.map((provider) => {
    const segs = segments(inventory, [provider]);
    const want = Math.min(50, totalOf(segs));
    return {
      key: `1-${provider}`,
      title: `page of ${want} ${NAMES[provider]}, list fields`,
      minimum: pageMinimum(segs, want, limits),
      connections,
      provider,
      run: single(
        requestBody(PAGE_QUERY, { first: want, filter: { sources: [SOURCE_IDS[provider]] } }),
        expectEdges(want),
      ),
    };
  });
}

export const page: RequestScenario = { kind: 'requests', number: 1, name: 'page', cases: pageCases };
