/**
 * An index page under load on this build, bare graphql-yoga serving the same body, and optionally
 * another build of the gateway, in alternating turns on the same emulators: the quick A/B behind
 * each per-request CPU change (BENCHMARKS.md, "Fifth session's runs"). Prints req/s and CPU per
 * request per turn and in all.
 *
 *   npm run bench:page-ab                                  # this build against bare yoga
 *   npm run bench:page-ab -- --base path/to/dist/main.js   # and a build made from another commit
 *   npm run bench:page-ab -- --search --rounds 6           # the search page; more turns
 *
 * `--base` takes the `main.js` of another `npm run build` kept inside this checkout (for example
 * `git worktree add ../old <rev> && (cd ../old && npm ci && npm run build)`, then copy its `dist/`
 * to `.bench/dist-base/`), so that it resolves this checkout's node_modules.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchConfig, writeConfig } from './lib/config.js';
import { PAGE_QUERY, post, requestBody } from './lib/graphql.js';
import { load } from './lib/load.js';
import { buildGateway, cpuMs, ROOT, spawnIpcChild, spawnNode } from './lib/processes.js';
import { inventoryScales, LOAD_TERM, SEARCH_QUERY, syncStates } from './scenarios/8-inventory.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    search: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    'per-provider': { type: 'string', default: '20000' },
  },
});
const rounds = Number(args.rounds);
const seconds = Number(args.seconds);
// The bodies of scenario 8's part 3.
const body = args.search
  ? requestBody(SEARCH_QUERY, { term: LOAD_TERM, first: 50 })
  : requestBody(PAGE_QUERY, { first: 50 });

mkdirSync(join(ROOT, '.bench'), { recursive: true });
const emulators = spawnIpcChild('bench/children/emulators.ts', {
  env: { BENCH_SCALES: JSON.stringify(inventoryScales(Number(args['per-provider']))) },
  log: join(ROOT, '.bench/page-ab-emulators.log'),
  name: 'emulators',
});
const ready = await new Promise<{ urls: never; summary: never }>((resolve) =>
  emulators.child.on('message', (m: { type?: string }) => m?.type === 'ready' && resolve(m as never)),
);
const build = buildGateway();

/** A gateway on the emulators (refreshMs 10 min: no sync after the first), once every source is FRESH. */
async function startGateway(name: string, entry: string) {
  const port = 18_000 + Math.floor(Math.random() * 2_000);
  const file = join(ROOT, `.bench/page-ab-${name}.json`);
  writeConfig(
    file,
    benchConfig(ready.urls, ready.summary, {
      cache: { ttlMs: 0, staleMs: 0, readAhead: false },
      extra: [{ server: { port } }, { inventory: { refreshMs: 600_000 } }],
    } as never),
  );
  const child = spawnNode([entry, '--config', file], {
    log: join(ROOT, `.bench/page-ab-${name}.log`),
    compiled: true,
    execArgv: build.nodeFlags,
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  for (;;) {
    const states = await syncStates(url).catch(() => null);
    if (states?.length && states.every((s) => s.state === 'FRESH')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, url, pid: child.pid!, child };
}

const targets = [await startGateway('gateway', build.entry)];
if (args.base) targets.push(await startGateway('base', args.base));
const answer = await post(targets[0].url, body);
const bare = spawnIpcChild('bench/children/bare-yoga.ts', { log: join(ROOT, '.bench/page-ab-bare.log'), name: 'bare' });
await new Promise((resolve) => bare.child.on('message', (m: { type?: string }) => m?.type === 'ready' && resolve(m)));
const { url: bareUrl } = await bare.ipc.request<{ url: string }>('start', {
  typeDefs: readFileSync(join(ROOT, 'schema.graphql'), 'utf8'),
  data: (answer.body as { data: unknown }).data,
});
const same = JSON.stringify((await post(bareUrl, body)).body) === JSON.stringify(answer.body);
targets.push({ name: 'bare yoga', url: bareUrl, pid: bare.child.pid!, child: bare.child });
console.log(`${args.search ? 'search page' : 'index page'} of 50; bare yoga serves the same body: ${same}`);

for (const t of targets) await load(t.url, [body], { connections: 32, durationS: 3 });
const sums = new Map(targets.map((t) => [t.name, { requests: 0, seconds: 0, cpuMs: 0 }]));
for (let round = 1; round <= rounds; round++) {
  for (const t of targets) {
    const cpu0 = cpuMs(t.pid) ?? 0;
    const run = await load(t.url, [body], { connections: 32, durationS: seconds });
    const cpu = (cpuMs(t.pid) ?? 0) - cpu0;
    const sum = sums.get(t.name)!;
    sum.requests += run.requests;
    sum.seconds += run.durationS;
    sum.cpuMs += cpu;
    console.log(
      `turn ${round} ${t.name}: ${run.perSecond.toFixed(0)} req/s, ${(cpu / run.requests).toFixed(2)} ms CPU/req, ${run.errors} errors`,
    );
  }
}
const bareRate = sums.get('bare yoga')!.requests / sums.get('bare yoga')!.seconds;
for (const [name, sum] of sums) {
  const rate = sum.requests / sum.seconds;
  console.log(
    `${name}: ${rate.toFixed(0)} req/s, ${(sum.cpuMs / sum.requests).toFixed(2)} ms CPU/req, ${((rate / bareRate) * 100).toFixed(0)}% of bare yoga`,
  );
}
for (const t of targets) t.child.kill('SIGINT');
emulators.child.kill();
process.exit(0);
