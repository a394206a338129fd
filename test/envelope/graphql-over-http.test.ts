import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * The GraphQL over HTTP audit of graphql-http (the spec's reference suite), run against the
 * served gateway over real HTTP with a credential: no MUST may fail. SHOULD and MAY results are
 * printed, not asserted (a mutation, for one, is refused here on purpose).
 */
describe('GraphQL over HTTP (graphql-http audit)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('passes every MUST', async () => {
    const authorized = (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', stack.authHeaders.authorization);
      return fetch(input, { ...init, headers });
    };
    const results = await auditServer({ url: `${stack.server.url}/graphql`, fetchFn: authorized });
    const notOk = results.flatMap((result) =>
      result.status === 'ok' ? [] : [`${result.status} ${result.name}: ${result.reason}`],
    );
    if (notOk.length) console.log(`graphql-http audit, not ok:\n  ${notOk.join('\n  ')}`);
    const mustFailures = results.flatMap((result) =>
      result.name.startsWith('MUST') && result.status !== 'ok' ? [`${result.name}: ${result.reason}`] : [],
    );
    expect(mustFailures).toEqual([]);
    expect(results.filter((result) => result.name.startsWith('MUST')).length).toBeGreaterThan(10);
  });
});
