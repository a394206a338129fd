/**
 * Scenario 2: a page of 100 secrets of one source with a field that costs calls after the list:
 * SAE dataKeys and AWS replicas (one DescribeSecret per secret), AWS values (one
 * BatchGetSecretValue per 20 secrets; values are never cached, so a repeat within the TTL makes
 * those calls again). Target: at 20 ms, wall time within 1.15x of the lower bound.
 */
import { SOURCE_IDS } from '../lib/config.js';
import { AWS_REPLICAS_QUERY, AWS_VALUES_QUERY, DATA_KEYS_QUERY, requestBody } from '../lib/graphql.js';
import { type Case, expectEdges, NAMES, single } from '../lib/cases.js';
import { AWS_VALUES_PER_CALL, pageWithDetailsMinimum, segments, totalOf, type Limits } from '../lib/plan.js';
import { fmt } from '../lib/report.js';
import type { Measured, RequestScenario } from '../lib/requests.js';
import type { InventorySummary, ProviderKey } from '../lib/types.js';

const WALL_TARGET = 1.15;

const DETAILS: Array<{
  key: string;
  provider: ProviderKey;
  field: string;
  query: string;
  op: string;
  perCall: number;
  present: (value: unknown) => boolean;
  uncached?: boolean;
}> = [
  {
    key: '2-sae-datakeys',
    provider: 'sae',
    field: 'dataKeys',
    query: DATA_KEYS_QUERY,
    op: 'SAE DescribeSecret',
    perCall: 1,
    present: Array.isArray,
  },
  {
    key: '2-aws-replicas',
    provider: 'aws',
    field: 'replicas',
    query: AWS_REPLICAS_QUERY,
    op: 'AWS DescribeSecret',
    perCall: 1,
    present: Array.isArray,
  },
  {
    key: '2-aws-values',
    provider: 'aws',
    field: 'value',
    query: AWS_VALUES_QUERY,
    op: 'AWS BatchGetSecretValue',
    perCall: AWS_VALUES_PER_CALL,
    present: (value) => value !== null && typeof value === 'object',
    uncached: true,
  },
];

function cases(inventory: InventorySummary, limits: Limits, connections: number): Case[] {
  return DETAILS.map((d) => {
    const segs = segments(inventory, [d.provider]);
    const want = Math.min(100, totalOf(segs));
    const minimum = pageWithDetailsMinimum(segs, want, d.op, limits, d.perCall);
    const listCalls = minimum.calls - Math.ceil(want / d.perCall);
    return {
      key: d.key,
      title: `page of ${want} ${NAMES[d.provider]} + ${d.field}`,
      minimum,
      repeatCalls: d.uncached ? minimum.calls - listCalls : undefined,
      note: d.uncached ? `values are never cached: a repeat makes its ${d.op} calls again` : undefined,
      connections: Math.max(1, Math.ceil(connections / 2)),
      run: single(requestBody(d.query, { first: want, filter: { sources: [SOURCE_IDS[d.provider]] } }), (data) => {
        const problems = expectEdges(want)(data);
        const missing = (data?.secrets?.edges ?? []).filter(
          (e: { node: Record<string, unknown> }) => !d.present(e.node[d.field]),
        ).length;
        if (missing) problems.push(`${missing} rows without ${d.field}`);
        return problems;
      }),
    };
  });
}

export const details: RequestScenario = {
  kind: 'requests',
  number: 2,
  name: 'details',
  cases,
  verdicts(m: Measured) {
    if (m.latencyMs === 0 || m.wallMs === null || !m.boundMs) return [];
    const ratio = m.wallMs / m.boundMs;
    return ratio > WALL_TARGET ? [`wall ${ratio.toFixed(2)}x>${WALL_TARGET}x`] : [];
  },
  targets(measured) {
    const at20 = measured.filter((m) => m.latencyMs >= 20);
    return [
      {
        target: `scenario 2 at 20 ms: wall time within ${WALL_TARGET}x of its lower bound`,
        status: !at20.length
          ? 'not measured'
          : at20.every((m) => m.wallMs! / m.boundMs! <= WALL_TARGET)
            ? 'met'
            : 'unmet',
        detail:
          at20
            .map(
              (m) =>
                `${fmt(m.wallMs, 1)} ms vs ${m.boundMs} ms (${m.minimum.rounds} rounds × ${m.latencyMs} ms) = ${(m.wallMs! / m.boundMs!).toFixed(3)}x`,
            )
            .join('; ') || 'run with 20 in --latencies',
      },
    ];
  },
};
