import { existsSync, readFileSync } from 'node:fs';
import { composeServices as composeWithApollo } from '@apollo/composition';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import {
  buildASTSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Guards the federation contract: a breaking change to subgraph.graphql (what other teams'
 * subgraphs and routers compose against) must be accepted on purpose, never written by a routine
 * `npm run codegen`. Accept with `npm run schema:accept -- "why it is safe"`, which records it in
 * SCHEMA_CHANGES.md.
 */

export const ACCEPT_ENV = 'ACCEPT_BREAKING_SCHEMA';

function schemaOf(sdl: string): GraphQLSchema {
  // Federation directives are not defined in the SDL itself; they do not affect the diff.
  return buildASTSchema(parse(sdl), { assumeValidSDL: true });
}

export async function breakingChanges(oldSdl: string, newSdl: string): Promise<Change[]> {
  const changes = await diff(schemaOf(oldSdl), schemaOf(newSdl));
  return changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
}

/** Throws, listing the changes, when `next` breaks the committed SDL and nobody accepted it. */
export async function assertNoUnacceptedBreakingChanges(
  committedPath: string,
  next: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (!existsSync(committedPath) || env[ACCEPT_ENV]) return;
  const breaking = await breakingChanges(readFileSync(committedPath, 'utf8'), next);
  if (breaking.length === 0) return;
  throw new Error(
    `Breaking changes to ${committedPath}:\n${breaking.map((c) => `  - ${c.message}`).join('\n')}\n` +
      `Other subgraphs compose against this file. If the break is intended, run: npm run schema:accept -- "reason"`,
  );
}

/**
 * Other teams' subgraphs, frozen as they were written (the apps subgraph predates AWS Secrets
 * Manager). Ours must compose with each, with both composers, whatever the change: a composition
 * break is not something `schema:accept` can wave through, since those teams deploy on their own.
 */
export const FROZEN_SUBGRAPHS: ReadonlyArray<{ name: string; path: URL }> = [
  { name: 'apps', path: new URL('../test/federation/apps-subgraph.graphql', import.meta.url) },
];

const COMPOSERS = {
  '@apollo/composition': composeWithApollo,
  '@theguild/federation-composition': composeWithGuild,
};

/** Composition errors of `sdl` with each frozen subgraph, per composer; none when all compose. */
export function compositionErrors(sdl: string, frozen = FROZEN_SUBGRAPHS): string[] {
  return frozen.flatMap(({ name, path }) => {
    const subgraphs = [
      { name: 'secrets', typeDefs: parse(sdl), url: 'http://secrets.local/graphql' },
      { name, typeDefs: parse(readFileSync(path, 'utf8')), url: `http://${name}.local/graphql` },
    ];
    return Object.entries(COMPOSERS).flatMap(([composer, compose]) =>
      (compose(subgraphs).errors ?? []).map((error) => `with "${name}" (${composer}): ${error.message}`),
    );
  });
}

/**
 * Enums of entity key fields that are also input types. Other subgraphs copy a key field's enum;
 * federation merges an output-only enum by union (a copy lacking our newest value composes), but an
 * enum used both ways must have the same values everywhere, so a new value would break them all.
 */
export function keyEnumsUsedAsInput(sdl: string): string[] {
  const schema = schemaOf(sdl);
  const keyEnums = new Map<string, string>();
  const collect = (type: GraphQLNamedType, selections: SelectionSetNode) => {
    if (!isObjectType(type) && !isInterfaceType(type)) return;
    for (const selection of selections.selections) {
      if (selection.kind !== Kind.FIELD) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const fieldType = getNamedType(field.type);
      if (isEnumType(fieldType)) keyEnums.set(fieldType.name, `${type.name}.${field.name}`);
      if (selection.selectionSet) collect(fieldType, selection.selectionSet);
    }
  };
  for (const type of Object.values(schema.getTypeMap())) {
    for (const key of type.astNode?.directives?.filter((d) => d.name.value === 'key') ?? []) {
      const fields = key.arguments?.find((a) => a.name.value === 'fields')?.value;
      if (fields?.kind !== Kind.STRING) continue;
      const operation = parse(`{ ${fields.value} }`).definitions[0];
      if (operation.kind === Kind.OPERATION_DEFINITION) collect(type, operation.selectionSet);
    }
  }
  const inputs: Array<[string, GraphQLNamedType]> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInputObjectType(type))
      for (const field of Object.values(type.getFields()))
        inputs.push([`${type.name}.${field.name}`, getNamedType(field.type)]);
    if (isObjectType(type) || isInterfaceType(type))
      for (const field of Object.values(type.getFields()))
        for (const arg of field.args) inputs.push([`${type.name}.${field.name}(${arg.name}:)`, getNamedType(arg.type)]);
  }
  return inputs
    .filter(([, type]) => keyEnums.has(type.name))
    .map(([at, type]) => `enum ${type.name} is the type of key field ${keyEnums.get(type.name)} and of input ${at}`);
}

/** Throws unless `sdl` keeps key enums output-only and composes with every frozen subgraph. */
export function assertOtherSubgraphsCompose(sdl: string, frozen = FROZEN_SUBGRAPHS): void {
  const problems = [...keyEnumsUsedAsInput(sdl), ...compositionErrors(sdl, frozen)];
  if (problems.length === 0) return;
  throw new Error(
    `This schema would break other teams' subgraphs:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
      'Give inputs a type of their own (README "What other subgraphs may copy").',
  );
}
