/**
 * `npm run bench:graphiql`: how long GraphiQL takes to become usable in headless Chromium, as a
 * newcomer meets it. The gateway runs as `npm start` builds it (dist/, embedded demo); each run
 * opens a fresh browser context (cold cache), then reloads once in the same context (warm cache).
 *
 * A new Chromium window spends ~1.5 s of CPU on its own UI first (a "top-chrome WebUI" renderer for
 * the omnibox popup), and on 2 cores that competes with the page. A person types the address after
 * the window is up, so each cold load waits --settle-ms (default 2000) after opening the window; a
 * third row, "cold, window opening", navigates at once and shows what the overlap costs.
 *
 * "usable" = the example tabs are shown and the query editor (CodeMirror) holds the active tab's
 * query. After each cold load the bench also types into the editor and checks the text arrives
 * (not timed), so "usable" cannot mean a picture of an editor.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { buildGateway, ROOT, stopChild, waitForLine } from './lib/processes.js';
import { median } from './lib/report.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'settle-ms': { type: 'string', default: '2000' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const runs = Number(values.runs);
const settleMs = Number(values['settle-ms']);

interface Timing {
  domContentLoadedMs: number;
  usableMs: number;
  transferredKb: number;
}

const QUERY_EDITOR = '.graphiql-query-editor .CodeMirror';

/** Milliseconds since navigation start until the tabs are shown and the query editor holds the active tab's query. */
async function measure(page: Page, url: string): Promise<Timing> {
  await page.goto(url, { waitUntil: 'commit' });
  const usable = await page.waitForFunction(
    (editor) => {
      const active = document.querySelector('.graphiql-tab-active .graphiql-tab-button')?.textContent;
      const text = document.querySelector(`${editor} .CodeMirror-code`)?.textContent;
      return document.querySelectorAll('.graphiql-tab').length > 1 && active && text?.includes(active)
        ? performance.now()
        : null;
    },
    QUERY_EDITOR,
    { polling: 25, timeout: 60_000 },
  );
  const usableMs = (await usable.jsonValue()) as number;
  return page.evaluate((usableMs) => {
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const transferred = [navigation, ...resources].reduce((sum, entry) => sum + entry.transferSize, 0);
    return { domContentLoadedMs: navigation.domContentLoadedEventEnd, usableMs, transferredKb: transferred / 1024 };
  }, usableMs);
}

/** Types at the end of the query editor's first line, checks the editor shows it, and undoes it. */
async function checkTyping(page: Page): Promise<void> {
  const marker = ' typed-by-bench';
  await page.locator(`${QUERY_EDITOR} .CodeMirror-line`).first().click();
  await page.keyboard.press('End');
  await page.keyboard.type(marker);
  const shown = await page
    .waitForFunction(
      (editor) => document.querySelector(`${editor} .CodeMirror-code`)?.textContent?.includes('typed-by-bench'),
      QUERY_EDITOR,
      { timeout: 5000 },
    )
    .then(
      () => true,
      () => false,
    );
  if (!shown) throw new Error('typing into the query editor showed nothing: the "usable" measure is wrong');
  for (let i = 0; i < marker.length; i++) await page.keyboard.press('Backspace');
}

const logDir = join(ROOT, '.bench');
mkdirSync(logDir, { recursive: true });
const log = join(logDir, 'graphiql-load-gateway.log');
const { entry, nodeFlags } = buildGateway();
// PORT=0: a free port, so that the bench never collides with a gateway already on 4000.
const gateway = spawn(process.execPath, [...nodeFlags, entry], {
  cwd: ROOT,
  env: { ...process.env, PORT: '0' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
gateway.stderr.pipe(createWriteStream(log));
const browser = await chromium.launch({ executablePath: values.chromium, args: ['--no-sandbox'] });
try {
  const base = await waitForLine(gateway, /GraphiQL and GraphQL: (http:\/\/\S+)\/graphql/, 60_000, 'gateway', log);
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const cold: Timing[] = [];
  const warm: Timing[] = [];
  const opening: Timing[] = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.waitForTimeout(settleMs);
    cold.push(await measure(page, `${base}/graphql`));
    await checkTyping(page);
    warm.push(await measure(page, `${base}/graphql`));
    await context.close();
    const atOnce = await browser.newContext();
    opening.push(await measure(await atOnce.newPage(), `${base}/graphql`));
    await atOnce.close();
  }
  const row = (name: string, timings: Timing[]) =>
    `${name.padEnd(20)} DOMContentLoaded ${median(timings.map((t) => t.domContentLoadedMs))
      .toFixed(0)
      .padStart(5)} ms   usable ${median(timings.map((t) => t.usableMs))
      .toFixed(0)
      .padStart(5)} ms   transferred ${median(timings.map((t) => t.transferredKb))
      .toFixed(0)
      .padStart(6)} KiB   (usable: ${timings.map((t) => t.usableMs.toFixed(0)).join(', ')})`;
  console.log(
    `GraphiQL first load, headless Chromium ${browser.version()}, median of ${runs} runs; load average ${loadBefore} before, ${load()} after`,
  );
  console.log(row('cold', cold));
  console.log(row('warm', warm));
  console.log(row('cold, window opening', opening));
} finally {
  await browser.close();
  await stopChild(gateway);
}
