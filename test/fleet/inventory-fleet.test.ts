import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseMsOf, type InventoryFleet } from '../../src/inventory/fleet.js';
import type { Inventory } from '../../src/inventory/inventory.js';
import type { ProvidersConfig } from '../../src/providers/index.js';
import type { Gateway } from '../../src/server/app.js';
import { post } from '../auth/helpers.js';
import { SOURCE } from '../helpers/expected.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Replica, type Stack } from '../helpers/stack.js';

/**
 * The inventory of a fleet: replicas on one set of emulators and one real Redis. One replica syncs
 * each source (its lease), every replica applies the stream of its changes, a late one catches up
 * from the snapshot, and while Redis is away each syncs for itself.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The sources whose list operation is called ListSecrets at the emulators. */
const COUNTED = [
  { source: SOURCE.kms, emulator: 'kms' },
  { source: SOURCE.aws, emulator: 'aws' },
] as const;

function fleetConfig(server: RedisServer, keyPrefix: string, refreshMs: number) {
  return (config: ProvidersConfig) => {
    // Generous: a Redis slowed by a loaded machine would send a replica to sync alone (tested below, on purpose).
    config.redis = { url: server.url, keyPrefix, commandTimeoutMs: 2000 };
    config.inventory = { refreshMs, retentionMs: 3_600_000 };
  };
}

const inventoryOf = (gateway: Gateway): Inventory => gateway.services.inventory!;
const fleetOf = (gateway: Gateway): InventoryFleet => inventoryOf(gateway).syncCoordinator as InventoryFleet;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(25);
  }
}

const allFresh = (gateways: Gateway[]) => () =>
  gateways.every((g) => inventoryOf(g).sourceIds.every((id) => inventoryOf(g).status(id)?.state === 'FRESH'));

const totalListCalls = (gateway: Gateway, sourceId: string) => inventoryOf(gateway).status(sourceId)!.totalListCalls;
const syncedAt = (gateway: Gateway, sourceId: string) => inventoryOf(gateway).syncedAt(sourceId)?.getTime() ?? 0;
const feed = (gateway: Gateway) =>
  inventoryOf(gateway)
    .changes.after(0)!
    .map((c) => `${c.seq} ${c.kind} ${c.sourceId}/${c.namespaceId}/${c.key}`);

/**
 * ListSecrets calls at the emulators since `start`, and the list calls of the syncs each replica
 * applied since then, per counted source: with one syncer they are all equal.
 */
function callCounts(stack: Stack, gateways: Gateway[], start: ReturnType<typeof countersNow>) {
  const now = countersNow(stack, gateways);
  return COUNTED.map((_, i) => ({
    atClouds: now[i].atClouds - start[i].atClouds,
    applied: now[i].applied.map((n, r) => n - start[i].applied[r]),
  }));
}

function countersNow(stack: Stack, gateways: Gateway[]) {
  return COUNTED.map(({ source, emulator }) => ({
    atClouds: stack.calls(emulator, 'ListSecrets'),
    applied: gateways.map((g) => totalListCalls(g, source)),
  }));
}

async function secretOn(url: string, headers: Record<string, string>, name: string) {
  const { body } = await post(
    url,
    {
      query:
        'query($search: String!) { secrets(first: 20, filter: { sources: ["kms-demo"], search: $search }) { asOf nodes { name updatedAt } } }',
      variables: { search: name },
    },
    headers,
  );
  expect(body?.errors).toBeUndefined();
  const secrets = body?.data.secrets as { asOf: string | null; nodes: Array<{ name: string; updatedAt: string }> };
  return { asOf: secrets.asOf, node: secrets.nodes.find((n) => n.name === name) };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

describe('syncs on a timer', () => {
  const REFRESH_MS = 2000;

  it('two replicas make the sync calls of one: every ListSecrets the clouds get is a sync that both replicas applied', async () => {
    const stack = await startStack({ configure: fleetConfig(redis, 'fleet-calls:', REFRESH_MS) });
    try {
      const b = await stack.replica();
      const gateways = [stack.gateway, b.gateway];
      await until('both replicas are fresh', allFresh(gateways));
      // Between two syncs (both replicas have applied the same one), so that no sync straddles the start.
      await until('both replicas applied the same sync', () =>
        COUNTED.every(({ source }) => syncedAt(gateways[0], source) === syncedAt(gateways[1], source)),
      );
      const start = countersNow(stack, gateways);
      const startedAt = COUNTED.map(({ source }) => syncedAt(b.gateway, source));
      const syncs = () => COUNTED.map(({ source }, i) => (syncedAt(b.gateway, source) > startedAt[i] ? 1 : 0));
      // A few timer periods: every replica ticked each source several times.
      await sleep(4 * REFRESH_MS);
      await until('a sync of every counted source was applied', () => syncs().every((n) => n > 0));
      let counts = callCounts(stack, gateways, start);
      // A sync may be under way: its calls reach the clouds before its entry reaches the replicas.
      await until(
        'the calls at the clouds are the calls of the syncs applied',
        () => {
          counts = callCounts(stack, gateways, start);
          return counts.every((c) => c.applied.every((n) => n === c.atClouds));
        },
        20_000,
      ).catch(() => undefined);
      for (const [i, { source }] of COUNTED.entries()) {
        const perSync = inventoryOf(b.gateway).status(source)!.listCalls!;
        console.log(
          `fleet sync calls, ${source}: ${counts[i].atClouds} ListSecrets in ${4 * REFRESH_MS} ms+ (${perSync} a sync); applied by A ${counts[i].applied[0]}, by B ${counts[i].applied[1]}`,
        );
        expect(counts[i].atClouds, source).toBeGreaterThanOrEqual(3 * perSync);
        expect(counts[i].applied, source).toEqual([counts[i].atClouds, counts[i].atClouds]);
      }
      // One holder per source, and the two replicas together hold every source once.
      for (const id of inventoryOf(b.gateway).sourceIds)
        expect(
          gateways.filter((g) => fleetOf(g).holds(id)),
          id,
        ).toHaveLength(1);
    } finally {
      await stack.close();
    }
  });

  it('the lease moves when its holder dies: the other replica takes it within two lease periods and syncs', async () => {
    const stack = await startStack({ configure: fleetConfig(redis, 'fleet-lease:', REFRESH_MS) });
    const peek = new Redis(redis.url, { keyPrefix: 'fleet-lease:' });
    try {
      const b = await stack.replica();
      const replicas = [
        { gateway: stack.gateway, close: () => stack.server.close(1000) },
        { gateway: b.gateway, close: () => b.close() },
      ];
      await until('both replicas are fresh', allFresh(replicas.map((r) => r.gateway)));
      await until('a replica holds the KMS lease', () => replicas.some((r) => fleetOf(r.gateway).holds(SOURCE.kms)));
      const holder = replicas.find((r) => fleetOf(r.gateway).holds(SOURCE.kms))!;
      const survivor = replicas.find((r) => r !== holder)!;
      expect(fleetOf(survivor.gateway).holds(SOURCE.kms)).toBe(false);

      // Death: cut off from Redis (the lease cannot be released), then gone.
      holder.gateway.redis!.client.disconnect();
      const killedAt = Date.now();
      const leftMs = await peek.pttl(`inventory:lease:${SOURCE.kms}`);
      await holder.close();
      expect(leftMs).toBeGreaterThan(0);

      // A change at the cloud after the death: only the new holder can bring it.
      const secret = stack.emulators.data.kms.secrets[2];
      secret.UpdateTime = Date.UTC(2031, 0, 1);
      await until('the survivor holds the lease', () => fleetOf(survivor.gateway).holds(SOURCE.kms), 60_000);
      const takeoverMs = Date.now() - killedAt;
      const regionId = stack.emulators.data.kms.regionId;
      // Its sync applies the change as its page comes, before the sync ends (and the source is fresh again).
      await until(
        'the survivor synced the change',
        () =>
          inventoryOf(survivor.gateway)
            .indexOf(SOURCE.kms)!
            .byName(regionId, secret.SecretName)
            ?.updatedAt?.getTime() === secret.UpdateTime &&
          inventoryOf(survivor.gateway).status(SOURCE.kms)!.state === 'FRESH',
        30_000,
      );
      const leaseMs = leaseMsOf(REFRESH_MS);
      console.log(
        `lease takeover: holder died with ${leftMs} ms left on its ${leaseMs} ms lease; the survivor held it ${takeoverMs} ms later`,
      );
      // Not before the dead holder's lease ran out (no two holders), and within two lease periods.
      expect(takeoverMs).toBeGreaterThanOrEqual(leftMs - 50);
      expect(takeoverMs).toBeLessThanOrEqual(2 * leaseMs);
      expect(inventoryOf(survivor.gateway).status(SOURCE.kms)!.state).toBe('FRESH');
    } finally {
      peek.disconnect();
      await stack.close();
    }
  });
});

describe('changes through the stream (syncs only when a test asks)', () => {
  let stack: Stack;
  let b: Replica;
  /** The replica that holds the KMS lease, and the other. */
  let holder: Gateway;
  let other: Gateway;

  beforeAll(async () => {
    // An hour: after the first one, syncs happen only when a test calls syncNow.
    stack = await startStack({ configure: fleetConfig(redis, 'fleet-stream:', 3_600_000) });
    b = await stack.replica();
    await until('both replicas are fresh', allFresh([stack.gateway, b.gateway]));
    holder = fleetOf(stack.gateway).holds(SOURCE.kms) ? stack.gateway : b.gateway;
    other = holder === stack.gateway ? b.gateway : stack.gateway;
    expect(fleetOf(holder).holds(SOURCE.kms)).toBe(true);
  });
  afterAll(() => stack?.close());

  it('the first syncs emit no change, and only one replica called the clouds for them', () => {
    for (const gateway of [stack.gateway, b.gateway]) expect(inventoryOf(gateway).changes.head).toBe(0);
    for (const { source, emulator } of COUNTED)
      expect(stack.calls(emulator, 'ListSecrets'), source).toBe(inventoryOf(holder).status(source)!.listCalls);
  });

  it("a change synced by one replica reaches the other's index and feed, with the same seq", async () => {
    const secret = stack.emulators.data.kms.secrets[0];
    secret.UpdateTime = Date.UTC(2030, 0, 1);
    stack.resetCounters();
    const heard: string[] = [];
    const unsubscribe = inventoryOf(other).changes.subscribe((c) => heard.push(`${c.seq} ${c.kind} ${c.key}`));
    const outcome = await inventoryOf(holder).syncNow(SOURCE.kms);
    expect(outcome.changes?.map((c) => [c.kind, c.key, c.changedFields])).toEqual([
      ['UPDATED', secret.SecretName, ['updatedAt']],
    ]);
    expect(stack.calls('kms', 'ListSecrets')).toBe(outcome.listCalls);
    await until('the other replica applied the change', () => inventoryOf(other).changes.head > 0);
    unsubscribe();
    // Its subscribers heard it, once (what the feed's subscription listens to).
    expect(heard).toEqual([`1 UPDATED ${secret.SecretName}`]);
    expect(feed(other)).toEqual(feed(holder));
    expect(feed(other)).toEqual([`1 UPDATED ${SOURCE.kms}/${stack.emulators.data.kms.regionId}/${secret.SecretName}`]);

    // As a portal sees it on the other replica: search served from its index, the new update time.
    const seen = await secretOn(
      (other === stack.gateway ? stack.server : b.server).url,
      stack.authHeaders,
      secret.SecretName,
    );
    expect(seen.node?.updatedAt).toBe(new Date(secret.UpdateTime).toISOString());
    expect(seen.asOf).toBe(outcome.at.toISOString());

    // A feed cursor taken on one replica reads on the other (a portal behind a load balancer).
    const urls = [stack.server.url, b.server.url];
    const page = async (url: string, after: string | null) => {
      const { body } = await post(
        url,
        {
          query:
            'query($after: String) { secretChanges(first: 10, after: $after) { nodes { kind ref { name } } pageInfo { endCursor } } }',
          variables: { after },
        },
        stack.authHeaders,
      );
      expect(body?.errors).toBeUndefined();
      return body?.data.secretChanges as { nodes: unknown[]; pageInfo: { endCursor: string } };
    };
    const first = await page(urls[0], null);
    expect(first.nodes).toEqual([{ kind: 'UPDATED', ref: { name: secret.SecretName } }]);
    expect((await page(urls[1], null)).pageInfo.endCursor).toBe(first.pageInfo.endCursor);
    expect((await page(urls[1], first.pageInfo.endCursor)).nodes).toEqual([]);
  });

  it("a change on the first page of the holder's running sync reaches the other replica before that sync ends, once", async () => {
    const kms = stack.emulators.data.kms;
    // KMS lists in seed order: the first secret is on page 1, read a second before the others.
    const secret = kms.secrets[0];
    const was = secret.UpdateTime;
    secret.UpdateTime = Date.UTC(2032, 0, 1);
    const head = inventoryOf(other).changes.head;
    stack.emulators.servers.kms.setFaults({ latencyMs: 1000 });
    try {
      let ended = false;
      const sync = inventoryOf(holder)
        .syncNow(SOURCE.kms)
        .then((outcome) => {
          ended = true;
          return outcome;
        });
      const seenOnOther = () =>
        inventoryOf(other).indexOf(SOURCE.kms)!.byName(kms.regionId, secret.SecretName)?.updatedAt?.getTime() ===
        secret.UpdateTime;
      await until('the other replica has the change', () => seenOnOther() || ended, 10_000);
      expect(seenOnOther()).toBe(true);
      expect(ended).toBe(false);
      const outcome = await sync;
      expect(outcome.changes?.map((c) => `${c.kind} ${c.key}`)).toEqual([`UPDATED ${secret.SecretName}`]);
      await until('the other replica applied the sync', () => syncedAt(other, SOURCE.kms) === outcome.at.getTime());
      const changes = feed(other).filter((line) => line.endsWith(`/${secret.SecretName}`));
      expect(changes.filter((line) => Number(line.split(' ')[0]) > head)).toHaveLength(1);
      expect(feed(other)).toEqual(feed(holder));
    } finally {
      stack.emulators.servers.kms.setFaults({ latencyMs: 0 });
      secret.UpdateTime = was;
      await inventoryOf(holder).syncNow(SOURCE.kms);
      await until(
        'the other replica has it back',
        () => inventoryOf(other).changes.head === inventoryOf(holder).changes.head,
      );
    }
  });

  it('a failed sync emits nothing on any replica, and both report it', async () => {
    const head = inventoryOf(holder).changes.head;
    // A broken body: a failure that asking again cannot mend, so the sync ends at once.
    stack.emulators.servers.kms.setFaults({ malformed: 'truncated-json' });
    try {
      const outcome = await inventoryOf(holder).syncNow(SOURCE.kms);
      expect(outcome.error).toBeDefined();
      await until('the other replica saw the failure', () => inventoryOf(other).status(SOURCE.kms)!.state === 'FAILED');
    } finally {
      stack.emulators.servers.kms.setFaults({ malformed: null });
    }
    for (const gateway of [holder, other]) {
      expect(inventoryOf(gateway).changes.head).toBe(head);
      expect(inventoryOf(gateway).status(SOURCE.kms)!.lastError?.code).toBe('UPSTREAM_BAD_RESPONSE');
    }
    await inventoryOf(holder).syncNow(SOURCE.kms);
    await until('the other replica is fresh again', () => inventoryOf(other).status(SOURCE.kms)!.state === 'FRESH');
    expect(inventoryOf(holder).changes.head).toBe(head);
  });

  it('Redis holds list data only: no secret value in the snapshots or the stream', async () => {
    const { kms, aws } = stack.emulators.data;
    const values = [
      ...kms.secrets.flatMap((s) => s.Versions.map((v) => v.SecretData)),
      ...aws.secrets.flatMap((s) => s.versions.flatMap((v) => [v.secretString, v.secretBinaryBase64])),
    ].filter((v): v is string => typeof v === 'string' && v.length >= 8);
    expect(values.length).toBeGreaterThan(50);
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('fleet-stream:inventory:*');
      let dump = '';
      for (const key of keys) {
        const type = await client.type(key);
        if (type === 'hash') dump += JSON.stringify(await client.hgetall(key));
        else if (type === 'stream') dump += JSON.stringify(await client.xrange(key, '-', '+'));
      }
      expect(dump).toContain(kms.secrets[0].SecretName);
      // As JSON strings, the way a record's field would be stored.
      expect(values.filter((value) => dump.includes(JSON.stringify(value).slice(1, -1)))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('a replica that starts late catches up from the snapshot and the stream, with no call to the clouds', async () => {
    stack.resetCounters();
    const late = await stack.replica();
    await until('the late replica is fresh', allFresh([late.gateway]));
    for (const server of Object.values(stack.emulators.servers))
      expect(Object.values(server.getStats().operations).reduce((n, op) => n + op.calls, 0)).toBe(0);
    for (const id of inventoryOf(holder).sourceIds) {
      expect(inventoryOf(late.gateway).indexOf(id)!.snapshot(), id).toEqual(
        inventoryOf(holder).indexOf(id)!.snapshot(),
      );
      expect(inventoryOf(late.gateway).syncedAt(id), id).toEqual(inventoryOf(holder).syncedAt(id));
    }
    // The feed's history too, so that a client's cursor works on any replica.
    expect(feed(late.gateway)).toEqual(feed(holder));

    // And from now on it follows the stream like the others.
    const secret = stack.emulators.data.kms.secrets[1];
    secret.UpdateTime = Date.UTC(2030, 5, 1);
    await inventoryOf(holder).syncNow(SOURCE.kms);
    await until('every replica applied the second change', () =>
      [other, late.gateway].every((g) => inventoryOf(g).changes.head === inventoryOf(holder).changes.head),
    );
    expect(feed(late.gateway)).toEqual(feed(holder));
    expect(feed(other)).toEqual(feed(holder));
    const seen = await secretOn(late.server.url, stack.authHeaders, secret.SecretName);
    expect(seen.node?.updatedAt).toBe(new Date(secret.UpdateTime).toISOString());
  });

  // Last in this block: it moves the KMS lease to the other replica.
  it('a holder that loses its lease between a page’s changes and its sync’s end: a late replica misses nothing, and the next holder writes the snapshot', async () => {
    const kms = stack.emulators.data.kms;
    // On page 1, read a second before the others.
    const secret = kms.secrets[2];
    const was = secret.UpdateTime;
    secret.UpdateTime = Date.UTC(2033, 0, 1);
    const has = (gateway: Gateway) =>
      inventoryOf(gateway).indexOf(SOURCE.kms)!.byName(kms.regionId, secret.SecretName)?.updatedAt?.getTime() ===
      secret.UpdateTime;
    const client = new Redis(redis.url);
    const snapshotIndex = () => client.hget(`fleet-stream:inventory:snapshot:${SOURCE.kms}`, 'index');
    const inSnapshot = `"updatedAt":{"$date":${secret.UpdateTime}}`;
    stack.emulators.servers.kms.setFaults({ latencyMs: 1000 });
    try {
      const sync = inventoryOf(holder).syncNow(SOURCE.kms);
      await until('the other replica has the change its first page showed', () => has(other), 10_000);
      // The lease moves while the holder's sync still reads: its own entry will be refused.
      await client.del(`fleet-stream:inventory:lease:${SOURCE.kms}`);
      expect(await fleetOf(other).shouldSync(SOURCE.kms)).toBe(true);
      await sync;
      expect(fleetOf(holder).holds(SOURCE.kms)).toBe(false);
      // The snapshot is the one before the change; the stream has the change's own entry.
      expect(await snapshotIndex()).not.toContain(inSnapshot);
      stack.emulators.servers.kms.setFaults({ latencyMs: 0 });

      const late = await stack.replica();
      await until('the late replica is fresh', allFresh([late.gateway]));
      expect(has(late.gateway)).toBe(true);
      expect(feed(late.gateway)).toEqual(feed(other));

      // The new holder's next sync finds nothing new, and still writes the snapshot whole.
      const outcome = await inventoryOf(other).syncNow(SOURCE.kms);
      expect(outcome.changes).toEqual([]);
      expect(await snapshotIndex()).toContain(inSnapshot);
    } finally {
      stack.emulators.servers.kms.setFaults({ latencyMs: 0 });
      secret.UpdateTime = was;
      client.disconnect();
    }
  });
});

describe('when Redis goes away', () => {
  const REFRESH_MS = 2000;
  let server: RedisServer;
  let stack: Stack;
  let gateways: Gateway[];

  beforeAll(async () => {
    server = await startRedisServer();
    stack = await startStack({ configure: fleetConfig(server, 'fleet-outage:', REFRESH_MS) });
    gateways = [stack.gateway, (await stack.replica()).gateway];
    await until('both replicas are fresh', allFresh(gateways));
  });
  afterAll(async () => {
    await stack?.close();
    await server?.stop();
  });

  it('each replica syncs for itself, stays fresh, and both rejoin as one syncer when Redis returns', async () => {
    await server.kill();
    await until('both replicas left the fleet', () => gateways.every((g) => !fleetOf(g).inFleet));
    const killedAt = Date.now();
    await until('both replicas synced every source alone', () =>
      gateways.every((g) => inventoryOf(g).sourceIds.every((id) => syncedAt(g, id) > killedAt)),
    );
    // Alone, each replica's own syncs are what it counts: together they are what the clouds got.
    let start = countersNow(stack, gateways);
    await sleep(2 * REFRESH_MS);
    let counts = callCounts(stack, gateways, start);
    await until(
      "the clouds got both replicas' syncs",
      () => {
        counts = callCounts(stack, gateways, start);
        return counts.every((c) => c.applied[0] > 0 && c.applied[1] > 0 && c.applied[0] + c.applied[1] === c.atClouds);
      },
      20_000,
    ).catch(() => undefined);
    console.log(
      `redis down: ${COUNTED.map((c, i) => `${c.source} ${counts[i].atClouds} calls (A ${counts[i].applied[0]} + B ${counts[i].applied[1]})`).join(', ')}`,
    );
    for (const c of counts) {
      expect(c.applied[0]).toBeGreaterThan(0);
      expect(c.applied[1]).toBeGreaterThan(0);
      expect(c.applied[0] + c.applied[1]).toBe(c.atClouds);
    }
    expect(allFresh(gateways)()).toBe(true);

    await server.restart();
    await until('both replicas rejoined', () => gateways.every((g) => fleetOf(g).inFleet), 30_000);
    await until('one replica holds every lease', () =>
      inventoryOf(gateways[0]).sourceIds.every((id) => gateways.filter((g) => fleetOf(g).holds(id)).length === 1),
    );
    await until('both replicas applied the same sync', () =>
      COUNTED.every(({ source }) => syncedAt(gateways[0], source) === syncedAt(gateways[1], source)),
    );
    start = countersNow(stack, gateways);
    await sleep(2 * REFRESH_MS);
    await until(
      'the calls at the clouds are the calls of the syncs applied',
      () => {
        counts = callCounts(stack, gateways, start);
        return counts.every((c) => c.atClouds > 0 && c.applied.every((n) => n === c.atClouds));
      },
      20_000,
    ).catch(() => undefined);
    for (const c of counts) {
      expect(c.atClouds).toBeGreaterThan(0);
      expect(c.applied).toEqual([c.atClouds, c.atClouds]);
    }
    expect(allFresh(gateways)()).toBe(true);
  });
});
