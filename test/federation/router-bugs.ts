import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { listenOnLoopback } from './loopback.js';
import type { Subgraph } from './routers.js';

/** What the routers answer where they fail; routers.test.ts expects the same. */
export const APOLLO_PROVIDES_TYPE_CONDITION = /^We should have an edge from \w+\(\w+\)-\d+ for __typename$/;
export const HIVE_ABSTRACT_SECRET = 'Abstract type "Secret" was resolved to a non-object type "Secret".';
export const HIVE_NULL_INTERFACE_OBJECT_FIELD = (type: string, field: string) =>
  `Cannot return null for non-nullable field ${type}.${field}.`;

/**
 * Our subgraph SDL as Hive Gateway 2.12.1 would need it: one @key per entity (no natural key on
 * the secrets, RelatedApp by appId only). Not adopted (README, "Hive Gateway"); the routers test
 * shows that the served subgraph works on Hive behind it.
 */
export function withOneKeyPerEntity(sdl: string): string {
  const oneKey = sdl
    .replaceAll('\n  @key(fields: "provider sourceId namespaceId name")', '')
    .replace(/(type RelatedApp implements Node)\n {2}@key\(fields: "id"\)/, '$1');
  if (oneKey.includes('@key(fields: "provider') || /type RelatedApp[^{]*@key\(fields: "id"\)/.test(oneKey))
    throw new Error('the subgraph SDL no longer has the keys this takes out where it expects them');
  if (!/type RelatedApp[^{]*@key\(fields: "appId"\)/.test(oneKey)) throw new Error('RelatedApp lost its appId key');
  return oneKey;
}

/**
 * Two tiny subgraphs, as small as the bugs allow. "catalog" owns the entity interface Item (one
 * implementation, Book); "shelves" adds `extra` to every Item through @interfaceObject and
 * returns Item references, one of which ("missing") catalog answers with null and a NOT_FOUND.
 */
export interface CatalogShape {
  /** Gives catalog an unrelated entity with two @key (`Author @key(fields: "id") @key(fields: "name")`). */
  twoKeyEntity?: boolean;
  /** Gives Item (interface and Book) and shelves' @interfaceObject a second @key, `name`. */
  twoKeyInterface?: boolean;
}

const LINK =
  '@link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@interfaceObject", "@external", "@provides"])';

function catalogSdl({ twoKeyEntity, twoKeyInterface }: CatalogShape): string {
  const keys = twoKeyInterface ? '@key(fields: "id") @key(fields: "name")' : '@key(fields: "id")';
  return `
    extend schema ${LINK}
    interface Item ${keys} { id: ID! name: String! }
    type Book implements Item ${keys} { id: ID! name: String! pages: Int! }
    ${twoKeyEntity ? 'type Author @key(fields: "id") @key(fields: "name") { id: ID! name: String! }' : ''}
    type Query { item: Item }
  `;
}

function shelvesSdl({ twoKeyInterface }: CatalogShape): string {
  // Like the apps subgraph: key fields it does not own are @external, and the references provide theirs.
  return twoKeyInterface
    ? `
    extend schema ${LINK}
    type Item @key(fields: "id") @key(fields: "name") @interfaceObject { id: ID! @external name: String! @external extra: String! }
    type Shelf { items: [Item]! @provides(fields: "id") }
    type Query { shelf: Shelf! }
  `
    : `
    extend schema ${LINK}
    type Item @key(fields: "id") @interfaceObject { id: ID! extra: String! }
    type Shelf { items: [Item]! }
    type Query { shelf: Shelf! }
  `;
}

const BOOK = { __typename: 'Book', id: '1', name: 'one', pages: 10 };

// Async, so that a miss fails its own item: @apollo/subgraph fails all of _entities on a synchronous throw.
async function bookOf(ref: { id?: string; name?: string }) {
  if (ref.id !== undefined && ref.id !== BOOK.id)
    throw new GraphQLError('no item matches this reference', { extensions: { code: 'NOT_FOUND' } });
  if (ref.name !== undefined && ref.name !== BOOK.name)
    throw new GraphQLError('no item matches this reference', { extensions: { code: 'NOT_FOUND' } });
  return BOOK;
}

type Resolvers = Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers'];

function serveSubgraph(sdl: string, resolvers: Resolvers): Promise<{ url: string; close(): Promise<void> }> {
  return listenOnLoopback(
    createYoga({ schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers }), logging: false }),
  );
}

export async function startCatalog(shape: CatalogShape): Promise<{ subgraphs: Subgraph[]; close(): Promise<void> }> {
  const catalog = await serveSubgraph(catalogSdl(shape), {
    Query: { item: () => BOOK },
    Item: { __resolveReference: bookOf, __resolveType: (item: { __typename: string }) => item.__typename },
    Book: { __resolveReference: bookOf },
    Author: {
      __resolveReference: (ref: { id?: string; name?: string }) => ({ id: ref.id ?? 'a', name: ref.name ?? 'A' }),
    },
  });
  const shelves = await serveSubgraph(shelvesSdl(shape), {
    Query: { shelf: () => ({ items: [{ id: '1' }, { id: 'missing' }] }) },
    Item: { __resolveReference: (ref: { id: string }) => ref, extra: (item: { id: string }) => `extra-${item.id}` },
  });
  return {
    subgraphs: [
      { name: 'catalog', typeDefs: catalogSdl(shape), url: catalog.url },
      { name: 'shelves', typeDefs: shelvesSdl(shape), url: shelves.url },
    ],
    close: async () => {
      await catalog.close();
      await shelves.close();
    },
  };
}
