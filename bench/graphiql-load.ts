/**
 * `npm run bench:graphiql`: how long GraphiQL takes to become usable in headless Chromium, as a
 * newcomer meets it. The gateway runs as `npm start` builds it (dist/, embedded demo); each run
 * opens a fresh browser context (cold cache), then reloads once in the same context (warm cache).
 *
 * "usable" = the example tabs are shown and the query editor (CodeMirror) holds the active tab's
 * query. After each cold load the bench also types into the editor and checks the text arrives
 * (not timed), so "usable" cannot mean a picture of an editor.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { buildGateway, ROOT, stopChild, waitForLine } from './lib/processes.js';
import { median } from './lib/report.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, chromium: { type: 'string', default: '/usr/bin/chromium' } } });
const runs = Number(values.runs);

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
      return document.querySelectorAll('.graphiql-tab').length > 1 && active && text?.includes(active) ? performance.now() : null;
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
    .waitForFunction((editor) => document.querySelector(`${editor} .CodeMirror-code`)?.textContent?.includes('typed-by-bench'), QUERY_EDITOR, { timeout: 5000 })
    .then(() => true, () => false);
  if (!shown) throw new Error('typing into the query editor showed nothing: the "usable" measure is wrong');
  for (let i = 0; i < marker.length; i++) await page.keyboard.press('Backspace');
}

const logDir = join(ROOT, '.bench');
mkdirSync(logDir, { recursive: true });
const log = join(logDir, 'graphiql-load-gateway.log');
const { entry, nodeFlags } = buildGateway();
// PORT=0: a free port, so that the bench never collides with a gateway already on 4000.
const gateway = spawn(process.execPath, [...nodeFlags, entry], { cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
gateway.stderr.pipe(createWriteStream(log));
const browser = await chromium.launch({ executablePath: values.chromium, args: ['--no-sandbox'] });
try {
  const base = await waitForLine(gateway, /GraphiQL and GraphQL: (http:\/\/\S+)\/graphql/, 60_000, 'gateway', log);
  const cold: Timing[] = [];
  const warm: Timing[] = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    cold.push(await measure(page, `${base}/graphql`));
    await checkTyping(page);
    warm.push(await measure(page, `${base}/graphql`));
    await context.close();
  }
  const row = (name: string, timings: Timing[]) =>
    `${name.padEnd(6)} DOMContentLoaded ${median(timings.map((t) => t.domContentLoadedMs)).toFixed(0).padStart(5)} ms   usable ${median(timings.map((t) => t.usableMs)).toFixed(0).padStart(5)} ms   transferred ${median(timings.map((t) => t.transferredKb)).toFixed(0).padStart(6)} KiB`;
  console.log(`GraphiQL first load, headless Chromium ${browser.version()}, median of ${runs} runs`);
  console.log(row('cold', cold));
  console.log(row('warm', warm));
} finally {
  await browser.close();
  await stopChild(gateway);
}
