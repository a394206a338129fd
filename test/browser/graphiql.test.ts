import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLInterfaceType } from 'graphql';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { EXAMPLE_TABS } from '../../src/server/examples.js';
import { startStack, type Stack } from '../helpers/stack.js';

const { schema } = buildSchema(PROVIDER_CATALOG);

/**
 * GraphiQL in a real browser (Debian's chromium, driven by playwright-core), as a newcomer uses it:
 * every example tab clicked once and run, and the docs explorer opened on `Secret`. Screenshots of
 * each step go to test-artifacts/graphiql/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const chromiumPresent = existsSync(CHROMIUM);
const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'graphiql');

if (!chromiumPresent) {
  const banner = '!'.repeat(100);
  console.warn(
    `\n${banner}\n  The GraphiQL browser test needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).\n  ${process.env.CI === 'true' ? 'CI=true: it FAILS.' : 'It is SKIPPED on this machine; CI runs it.'}\n${banner}\n`,
  );
}

const operationNameOf = (query: string): string => /query\s+(\w+)/.exec(query)![1];

describe.skipIf(!chromiumPresent && process.env.CI !== 'true')('GraphiQL in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // As in the demo: with the inventory, whose change feed one tab reads.
    stack = await startStack({
      graphiqlToken: true,
      configure: (config) => {
        config.inventory = { refreshMs: 60_000, retentionMs: 3_600_000 };
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    // Offline means offline: every request is recorded, and anything not for the gateway is refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      requested.push(url);
      return new URL(url).hostname === '127.0.0.1' || /^(data|blob):/.test(url) ? route.continue() : route.abort();
    });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('loads from the gateway alone, with the example tabs and the demo token in the headers editor', async () => {
    await page.goto(`${stack.server.url}/graphql`);
    await page.locator('.graphiql-query-editor .CodeMirror-code').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.locator('.graphiql-tab-button').allTextContents())
      .toEqual(EXAMPLE_TABS.map((tab) => operationNameOf(tab.query)));
    await page.getByRole('button', { name: 'Headers' }).click();
    await expect
      .poll(() => page.locator('.graphiql-editor-tool .CodeMirror-code').last().textContent())
      .toContain('Authorization');
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((url) => !url.startsWith(`${stack.server.url}/`))).toEqual([]);
  }, 90_000);

  it('runs every example tab after a single click on it, and each result pane holds data and no errors', async () => {
    // The last tab first, so that even the first tab is reached by a click.
    const order = [...EXAMPLE_TABS.keys()].reverse();
    for (const index of order) {
      const name = operationNameOf(EXAMPLE_TABS[index].query);
      await page.locator(`#graphiql-session-tab-${index}`).click();
      await expect
        .poll(() => page.locator('.graphiql-tab-active .graphiql-tab-button').textContent(), {
          message: `one click on ${name}`,
          timeout: 2000,
        })
        .toBe(name);
      await expect.poll(() => page.locator('.graphiql-query-editor .CodeMirror-code').textContent()).toContain(name);

      // GraphiQL keeps the previous answer's stream open for a moment after showing it; a click
      // meanwhile is "Stop query" and sends nothing. A user sees the play icon come back first.
      const execute = page.locator('.graphiql-execute-button');
      await expect
        .poll(() => execute.getAttribute('aria-label'), { message: `run button ready for ${name}`, timeout: 20_000 })
        .toMatch(/^Execute query/);
      const posted: string[] = [];
      const onRequest = (request: Request) =>
        void (request.method() === 'POST' && posted.push(`${request.url()} ${request.postData()?.slice(0, 80)}`));
      page.on('request', onRequest);
      const answered = page.waitForResponse(
        (response) =>
          response.url().endsWith('/graphql') &&
          response.request().method() === 'POST' &&
          response.request().postData()?.includes(name) === true,
        { timeout: 45_000 },
      );
      answered.catch(() => undefined);
      const pane = page.locator('.graphiql-response .CodeMirror-code');
      const response = await (async () => {
        // GraphiQL takes the operation name from the editor a moment after a tab switch; a run in
        // between (seen on a loaded 2-core machine) fails in the page, before any request, with
        // "Cannot infer operation <the previous tab's operation>". Seen, it is retried (twice at
        // most) as a user would; any other outcome fails the test.
        for (let attempt = 1; ; attempt++) {
          await execute.click({ timeout: 15_000 });
          const outcome = await Promise.race([
            answered.then((r) => ({ response: r })),
            expect
              .poll(() => pane.textContent(), { timeout: 45_000 })
              .toMatch(/Cannot infer operation/)
              // Not seen: only the answer (or its timeout) decides.
              .then(
                () => ({ response: null }),
                () => new Promise<never>(() => undefined),
              ),
          ]);
          if (outcome.response) return outcome.response;
          if (attempt === 3) throw new Error('GraphiQL kept running a stale operation name');
          console.warn(`GraphiQL: ${name} ran with a stale operation name (attempt ${attempt}); running it again`);
          await page.waitForTimeout(500);
        }
      })()
        .catch(async (error: Error) => {
          // What CI can tell us afterwards: the button's state, what the page sent, and a picture.
          await page.screenshot({ path: join(SCREENSHOTS, `failed-${name}.png`) }).catch(() => undefined);
          const label = await execute.getAttribute('aria-label').catch(() => '?');
          throw new Error(
            `${name}: ${error.message.split('\n')[0]}; button "${label}"; POSTs sent: ${JSON.stringify(posted)}`,
          );
        })
        .finally(() => page.off('request', onRequest));
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(body.errors, name).toBeUndefined();
      expect(Object.keys(body.data ?? {}).length, name).toBeGreaterThan(0);

      await expect.poll(() => pane.textContent(), { timeout: 10_000 }).toMatch(/"data":\s*\{/);
      expect(await pane.textContent()).not.toContain('"errors"');
      await page.screenshot({ path: join(SCREENSHOTS, `tab-${index + 1}-${name}.png`) });
    }
  }, 180_000);

  it('opens the docs explorer on Secret, listing the fields the schema gives it', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Secret$/ }).click();
    await expect.poll(() => explorer.locator('.graphiql-doc-explorer-title').textContent()).toBe('Secret');
    const secret = schema.getType('Secret') as GraphQLInterfaceType;
    await expect
      .poll(() => explorer.locator('.graphiql-doc-explorer-field-name').allTextContents())
      .toEqual(Object.keys(secret.getFields()));
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-Secret.png') });
  }, 60_000);

  it('never sent a request anywhere but the gateway', () => {
    expect(requested.filter((url) => !url.startsWith(`${stack.server.url}/`) && !/^(data|blob):/.test(url))).toEqual(
      [],
    );
  });
});
