import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  APOLLO_PROVIDES_TYPE_CONDITION,
  HIVE_ABSTRACT_SECRET,
  HIVE_NULL_INTERFACE_OBJECT_FIELD,
  startCatalog,
  type CatalogShape,
} from './router-bugs.js';
import {
  composeSupergraph,
  ROUTER_NAMES,
  startRouter,
  type RouterName,
  type RouterResponse,
  type Subgraph,
} from './routers.js';

function composeWithGuild(subgraphs: readonly Subgraph[]): string {
  const result = composeServices(
    subgraphs.map((s) => ({ ...s, typeDefs: typeof s.typeDefs === 'string' ? parse(s.typeDefs) : s.typeDefs })),
  );
  expect(result.errors ?? []).toEqual([]);
  return result.supergraphSdl!;
}

async function throughRouters<R extends RouterName>(
  routers: readonly R[],
  shape: CatalogShape,
  document: string,
  compose = composeSupergraph,
): Promise<Record<R, RouterResponse>> {
  const catalog = await startCatalog(shape);
  try {
    const supergraph = compose(catalog.subgraphs);
    const responses = {} as Record<R, RouterResponse>;
    for (const name of routers) {
      const router = await startRouter(name, supergraph);
      try {
        responses[name] = await router.query(document);
      } finally {
        await router.close();
      }
    }
    return responses;
  } finally {
    await catalog.close();
  }
}

describe('Hive Gateway 2.12.1 bugs, reproduced on two tiny subgraphs (Apollo Gateway 2.14 as the control)', () => {
  it('control: with one @key per entity, both routers resolve an @interfaceObject field', async () => {
    const responses = await throughRouters(ROUTER_NAMES, {}, '{ item { id extra } }');
    for (const name of ROUTER_NAMES)
      expect(responses[name]).toEqual({ status: 200, data: { item: { id: '1', extra: 'extra-1' } } });
  });

  it('bug: an @interfaceObject field is null ("Cannot return null") once the interface\'s subgraph has ANY entity with two @key', async () => {
    const responses = await throughRouters(ROUTER_NAMES, { twoKeyEntity: true }, '{ item { id extra } }');
    expect(responses.apollo).toEqual({ status: 200, data: { item: { id: '1', extra: 'extra-1' } } });
    expect(responses.hive.data).toEqual({ item: null });
    expect(responses.hive.errors?.map((e) => e.message)).toEqual([HIVE_NULL_INTERFACE_OBJECT_FIELD('Book', 'extra')]);
  });

  it('bug: the same when the entity interface itself has two @key', async () => {
    const responses = await throughRouters(ROUTER_NAMES, { twoKeyInterface: true }, '{ item { id extra } }');
    expect(responses.apollo).toEqual({ status: 200, data: { item: { id: '1', extra: 'extra-1' } } });
    expect(responses.hive.errors?.map((e) => e.message)).toEqual([HIVE_NULL_INTERFACE_OBJECT_FIELD('Book', 'extra')]);
  });

  it('bug: with two @key on the interface, references returned through @interfaceObject fail ("Abstract type ... non-object type")', async () => {
    const responses = await throughRouters(ROUTER_NAMES, { twoKeyInterface: true }, '{ shelf { items { id name } } }');
    expect(responses.apollo.data).toEqual({ shelf: { items: [{ id: '1', name: 'one' }, null] } });
    expect(responses.apollo.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['shelf', 'items', 1], 'NOT_FOUND'],
    ]);
    expect(responses.hive.data).toEqual({ shelf: { items: [null, null] } });
    const abstractItem = HIVE_ABSTRACT_SECRET.replaceAll('"Secret"', '"Item"');
    expect(responses.hive.errors?.map((e) => [e.path, e.message])).toEqual([
      [['shelf', 'items', 0], abstractItem],
      [['shelf', 'items', 1], abstractItem],
    ]);
  });

  it('bug: an _entities item answered with null and an error comes back null WITHOUT the error', async () => {
    const responses = await throughRouters(ROUTER_NAMES, {}, '{ shelf { items { id name } } }');
    expect(responses.apollo.data).toEqual({ shelf: { items: [{ id: '1', name: 'one' }, null] } });
    expect(responses.apollo.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['shelf', 'items', 1], 'NOT_FOUND'],
    ]);
    expect(responses.hive).toEqual({ status: 200, data: { shelf: { items: [{ id: '1', name: 'one' }, null] } } });
  });
});

describe('Apollo Gateway 2.14.4 bug, reproduced on the same subgraphs (Hive Gateway for comparison)', () => {
  it('control: when the referencing subgraph owns the key (no @external, no @provides), a type condition plans on both routers', async () => {
    const responses = await throughRouters(ROUTER_NAMES, {}, '{ shelf { items { id ... on Book { pages } } } }');
    // The missing item keeps the id its subgraph owns: Apollo's answer, with its NOT_FOUND.
    expect(responses.apollo.data).toEqual({ shelf: { items: [{ id: '1', pages: 10 }, { id: 'missing' }] } });
    expect(responses.hive.data?.shelf.items[0]).toEqual({ id: '1', pages: 10 });
  });

  it('bug: a type condition below a field that @provides an @interfaceObject key fails the whole query (500, query planner)', async () => {
    const responses = await throughRouters(
      ROUTER_NAMES,
      { twoKeyInterface: true },
      '{ shelf { items { ... on Book { pages } } } }',
    );
    expect(responses.apollo.status).toBe(500);
    expect(responses.apollo.errors?.map((e) => e.message)).toEqual([
      expect.stringMatching(APOLLO_PROVIDES_TYPE_CONDITION),
    ]);
    expect(responses.hive.data).toEqual({ shelf: { items: [null, null] } });
  });
});

describe('@theguild/federation-composition 0.27 bug, seen through both routers', () => {
  it('bug: it drops @external on an @interfaceObject key field, so the routers ask the subgraph that does not own it', async () => {
    const document = '{ shelf { items { id name } } }';
    const apolloComposed = await throughRouters(ROUTER_NAMES, { twoKeyInterface: true }, document);
    expect(apolloComposed.apollo.data).toEqual({ shelf: { items: [{ id: '1', name: 'one' }, null] } });
    const guildComposed = await throughRouters(ROUTER_NAMES, { twoKeyInterface: true }, document, composeWithGuild);
    for (const name of ROUTER_NAMES) {
      expect(guildComposed[name].data).toEqual({ shelf: { items: [null, null] } });
      expect(guildComposed[name].errors?.map((e) => [e.path, e.extensions?.serviceName])).toEqual([
        [['shelf', 'items', 0, 'name'], 'shelves'],
        [['shelf', 'items', 1, 'name'], 'shelves'],
      ]);
    }
  });
});

describe('Hive Gateway with the Hive Router query planner (@graphql-hive/router-runtime 1.4.23): the setting that mends both bugs', () => {
  it('mends bug 1: the @interfaceObject field resolves beside a two-@key entity', async () => {
    const { 'hive-planner': response } = await throughRouters(
      ['hive-planner'],
      { twoKeyEntity: true },
      '{ item { id extra } }',
    );
    expect(response).toEqual({ status: 200, data: { item: { id: '1', extra: 'extra-1' } } });
  });

  it('mends bug 2: the _entities error reaches the client at its index', async () => {
    const { 'hive-planner': response } = await throughRouters(['hive-planner'], {}, '{ shelf { items { id name } } }');
    expect(response.data).toEqual({ shelf: { items: [{ id: '1', name: 'one' }, null] } });
    expect(response.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['shelf', 'items', 1], 'NOT_FOUND']]);
  });

  it('bug: but it aborts the whole process (Rust panic) on references whose @interfaceObject keys are @external and @provided', () => {
    const probe = fileURLToPath(new URL('./hive-planner-probe.ts', import.meta.url));
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', probe, JSON.stringify({ twoKeyInterface: true }), '{ shelf { items { id name } } }'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.stdout).toBe('');
    expect(run.signal ?? run.status).not.toBe(0);
    expect(run.stderr).toMatch(/panicked at lib\/query-planner\/src\/ast\/mismatch_finder\.rs/);
  });
});
