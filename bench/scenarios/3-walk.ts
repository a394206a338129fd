/** Scenario 3: a full forward walk with first: 100 of the largest inventory (and of the largest paged one). */
import { SOURCE_IDS } from '../lib/config.js';
import { PAGE_QUERY } from '../lib/graphql.js';
import { type Case, NAMES, walk } from '../lib/cases.js';
import { segments, totalOf, walkMinimum, type Limits } from '../lib/plan.js';
import type { RequestScenario } from '../lib/requests.js';
import { PROVIDER_KEYS, type InventorySummary } from '../lib/types.js';

function cases(inventory: InventorySummary, limits: Limits, connections: number): Case[] {
  const sizes = PROVIDER_KEYS.map((p) => ({ provider: p, total: totalOf(segments(inventory, [p])) })).sort(
    (a, b) => b.total - a.total,
  );
  const largest = sizes[0];
  const largestPaged = sizes.find((s) => s.provider === 'apig' || s.provider === 'kms')!;
  const walked = largest.provider === largestPaged.provider ? [largest] : [largest, largestPaged];
  return walked.map(({ provider, total }) => {
    const minimum = walkMinimum(segments(inventory, [provider]), 100, limits);
    return {
      key: `3-walk-${provider}`,
      title: `walk ${total} ${NAMES[provider]}, first:100 (${minimum.pages} pages)`,
      minimum,
      note:
        minimum.cachedCalls < minimum.calls
          ? `${minimum.cachedCalls} calls with a warm cross-request cache (each list once)`
          : undefined,
      connections,
      run: walk(PAGE_QUERY, { sources: [SOURCE_IDS[provider]] }, 100, total),
    };
  });
}

export const fullWalk: RequestScenario = { kind: 'requests', number: 3, name: 'walk', cases };
