import { printSubgraphSchema } from '@apollo/subgraph';
import { mapSchema, MapperKind, pruneSchema } from '@graphql-tools/utils';
import {
  GraphQLError,
  GraphQLObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLFieldConfigMap,
  type GraphQLSchema,
} from 'graphql';
import { builder, encodeGlobalId } from './builder.js';
import { lookupCost } from './cost.js';
import './refs.js';
import './secret.js';
import './secret-connection.js';
import './namespace.js';
import './related-app.js';
import './source.js';
import './query.js';
import './inventory.js';
import './changes.js';
import { secretEntity } from './entities.js';
import { implementProviderEnums } from './provider-enum.js';
import { secretGlobalId, secretKey, type SchemaProvider } from './secret-node.js';
import type { SecretRecord } from '../domain/records.js';
import type { ProviderCatalog } from '../sources/catalog.js';

export interface GatewaySchema {
  /** The served schema: the whole API plus `_entities` and `_service` for a federation router. */
  schema: GraphQLSchema;
  /** What a router composes (`_service { sdl }`, subgraph.graphql): without `node` and `nodes`. */
  subgraphSdl: string;
  /** The API as direct clients see it, without federation's plumbing (schema.graphql). */
  printGatewaySchema(): string;
}

let built: { catalog: ProviderCatalog<SchemaProvider>; result: GatewaySchema } | null = null;

/**
 * The schema for a catalog of providers: the engine's types, and each provider's secret type with its
 * entity keys. The builder is this process's one, so one catalog per process: built once, then shared.
 */
export function buildSchema(catalog: ProviderCatalog<SchemaProvider>): GatewaySchema {
  if (built) {
    if (built.catalog !== catalog) throw new Error('the schema was already built from another provider catalog');
    return built.result;
  }
  implementProviderEnums(catalog);
  for (const provider of catalog.providers) secretEntity(provider.defineSchema(), provider.id);
  const schema = builder.toSubGraphSchema({
    linkUrl: 'https://specs.apollo.dev/federation/v2.6',
    federationDirectives: ['@key', '@shareable', '@inaccessible', '@tag'],
  });
  withEntityChecks(schema);
  withSynchronousIds(schema);
  withPropertyReads(schema);
  const subgraphSdl = printSubgraphSchema(withoutQueryFields(schema, new Set(['node', 'nodes'])));
  // The router reads the SDL from `_service`: answer with the composed-safe one.
  schema.getQueryType()!.getFields()._service.resolve = () => ({ sdl: subgraphSdl });
  const result = { schema, subgraphSdl, printGatewaySchema: () => printGatewaySchema(schema) };
  built = { catalog, result };
  return result;
}

/**
 * Relay's `node`/`nodes` can only be owned by one subgraph of a supergraph. They stay on the
 * served endpoint for direct clients, but the subgraph SDL a router composes leaves them out.
 */
function withoutQueryFields(source: GraphQLSchema, names: ReadonlySet<string>): GraphQLSchema {
  return mapSchema(source, {
    [MapperKind.QUERY]: (type) => {
      const config = (type as GraphQLObjectType).toConfig();
      const fields: GraphQLFieldConfigMap<unknown, unknown> = Object.fromEntries(
        Object.entries(config.fields).filter(([name]) => !names.has(name)),
      );
      // The printers read the AST when there is one: drop it with the fields.
      return new GraphQLObjectType({ ...config, astNode: undefined, fields });
    },
  });
}

/**
 * Pothos's relay plugin resolves a node's `id` through two async functions: a promise per node, which
 * a page of 100 secrets then awaits 100 times. Every node type here names itself synchronously, so
 * its `id` field encodes the node's own id (`encodeGlobalID` of the builder's options) without them.
 */
function withSynchronousIds(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    const resolveId = (type.extensions as { pothosOptions?: { id?: { resolve?: (node: unknown) => unknown } } })
      .pothosOptions?.id?.resolve;
    if (!(type instanceof GraphQLObjectType) || !resolveId) continue;
    const typename = type.name;
    // A secret's id is `secretKey`, whose encoding `secretGlobalId` makes with its namespace's start kept.
    type.getFields().id.resolve =
      resolveId === secretKey
        ? (record: SecretRecord) => secretGlobalId(typename, record)
        : (node: unknown) => encodeGlobalId(typename, String(resolveId(node)));
  }
}

/** `(x) => x.name` as a function's source prints it (parentheses optional, any parameter name). */
const PROPERTY_READ = /^\(?\s*([A-Za-z_$][\w$]*)\s*\)?\s*=>\s*\1\.([A-Za-z_$][\w$]*)$/;

/**
 * A resolver that only reads the property of its field's own name (Pothos's connection `edges` and
 * edge `node`, `(r) => r.createdAt`) does what the default resolver does. Without one, graphql-jit
 * reads the field inline; with one, it calls it with a resolve info of its own, for every field of
 * every secret of a page.
 */
function withPropertyReads(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const read = field.resolve && PROPERTY_READ.exec(field.resolve.toString().trim());
      if (read && read[2] === field.name) field.resolve = undefined;
    }
  }
}

// `_entities` comes from the federation plugin, outside Pothos: give it the cost of a lookup per reference.
function withEntityChecks(schema: GraphQLSchema): void {
  const entitiesField = schema.getQueryType()!.getFields()._entities;
  if (!entitiesField) return;
  entitiesField.extensions = {
    ...entitiesField.extensions,
    complexity: (args: { representations?: readonly unknown[] }) => lookupCost(args.representations?.length ?? 0),
  };
  // A representation must name one of our entities: for any other `__typename` the subgraph
  // library throws a plain error (masked as unexpected) or resolves a type it cannot return.
  const entityTypenames = new Set(
    Object.values(schema.getTypeMap())
      .filter(
        (type) =>
          (type.extensions as { apollo?: { subgraph?: { resolveReference?: unknown } } }).apollo?.subgraph
            ?.resolveReference,
      )
      .map((type) => type.name),
  );
  const resolveEntities = entitiesField.resolve!;
  entitiesField.resolve = (source, args: { representations: readonly unknown[] }, context, info) => {
    for (const representation of args.representations) {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (
        typeof representation !== 'object' ||
        Array.isArray(representation) ||
        typeof typename !== 'string' ||
        !entityTypenames.has(typename)
      ) {
        throw new GraphQLError(
          `every representation is an object whose "__typename" names an entity: ${[...entityTypenames].join(', ')}`,
          {
            extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_REFERENCE' },
          },
        );
      }
    }
    return resolveEntities(source, args, context, info);
  };
}

function printGatewaySchema(schema: GraphQLSchema): string {
  const api = pruneSchema(withoutQueryFields(schema, new Set(['_entities', '_service'])));
  // Federation's directive definitions belong to subgraph.graphql, not to the client API.
  return printSchema(lexicographicSortSchema(api))
    .split('\n\n')
    .filter((block) => !/^("""[\s\S]*?"""\n|"[^\n]*"\n)?directive @/.test(block))
    .join('\n\n');
}
