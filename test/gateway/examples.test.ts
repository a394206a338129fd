import { PROVIDER_MODULES } from '../../src/providers/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_TABS } from '../../src/server/examples.js';
import { startStack, type Stack } from '../helpers/stack.js';

describe('the GraphiQL example queries, as a new user runs them', () => {
  let stack: Stack;
  beforeAll(async () => {
    // As in the demo: with the inventory, whose change feed one tab reads.
    stack = await startStack({
      configure: (config) => {
        config.inventory = { refreshMs: 60_000, retentionMs: 3_600_000 };
      },
    });
  });
  afterAll(() => stack.close());

  it('each returns data without errors, and together they show every provider', async () => {
    const providers = new Set<string>();
    for (const tab of EXAMPLE_TABS) {
      const response = await fetch(`${stack.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...stack.authHeaders },
        body: JSON.stringify({ query: tab.query }),
      });
      const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
      expect(response.status, tab.query.split('\n')[1]).toBe(200);
      expect(body.errors, tab.query.split('\n')[1]).toBeUndefined();
      for (const match of JSON.stringify(body.data).matchAll(/"provider":"(\w+)"/g)) providers.add(match[1]);
    }
    expect([...providers].sort()).toEqual(PROVIDER_MODULES.map((module) => module.name).sort());
  });
});
