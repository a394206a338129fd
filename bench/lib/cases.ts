import { post, problemsOf, requestBody } from './graphql.js';
import type { Minimum } from './plan.js';
import type { ProviderKey } from './types.js';

export interface RunOutcome {
  /** The request bodies sent, in order: a load run replays them. */
  bodies: string[];
  ms: number;
  problems: string[];
}

/** One measured request (or walk) of a scenario, with the minimum calls it can be answered with. */
export interface Case {
  key: string;
  title: string;
  minimum: Minimum;
  /** Minimum with a cross-request cache warm from earlier requests, where it differs. */
  note?: string;
  /**
   * Calls a repeat of the request makes even with a warm cache (secret values: never cached, by
   * design). The "zero calls for a repeated query" target allows these. Default 0.
   */
  repeatCalls?: number;
  /** Connections of the load run. */
  connections: number;
  run(url: string): Promise<RunOutcome>;
}

export const NAMES: Record<ProviderKey, string> = { sae: 'SAE', apig: 'APIG', kms: 'KMS', csms: 'CSMS', aws: 'AWS' };

/** One request; `check` adds scenario-specific problems (wrong counts, nulls). */
export function single(body: string, check: (data: any) => string[]): Case['run'] {
  return async (url) => {
    const result = await post(url, body);
    const problems = problemsOf(result);
    if (result.body?.data) problems.push(...check(result.body.data));
    return { bodies: [body], ms: result.ms, problems };
  };
}

export const expectEdges = (n: number) => (data: any) => {
  const got = data?.secrets?.edges?.length ?? 0;
  return got === n ? [] : [`expected ${n} edges, got ${got}`];
};

/** A forward walk: follows `endCursor` until `hasNextPage` is false, checking every row comes once. */
export function walk(
  query: string,
  filter: Record<string, unknown>,
  first: number,
  expectedTotal: number,
): Case['run'] {
  return async (url) => {
    const bodies: string[] = [];
    const problems: string[] = [];
    const seen = new Set<string>();
    let after: string | null = null;
    let ms = 0;
    for (let page = 0; page < 10_000; page++) {
      const body = requestBody(query, { first, after, filter });
      bodies.push(body);
      const result = await post(url, body);
      ms += result.ms;
      problems.push(...problemsOf(result));
      const connection = result.body?.data?.secrets;
      if (!connection) break;
      for (const edge of connection.edges as Array<{ node: { id: string } }>) {
        if (seen.has(edge.node.id)) problems.push(`row ${edge.node.id} came twice`);
        seen.add(edge.node.id);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    if (seen.size !== expectedTotal) problems.push(`walk returned ${seen.size} rows, expected ${expectedTotal}`);
    return { bodies, ms, problems: [...new Set(problems)] };
  };
}
