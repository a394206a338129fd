import { existsSync, readFileSync } from 'node:fs';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildASTSchema, parse } from 'graphql';

/**
 * Guards the federation contract: a breaking change to subgraph.graphql (what other teams'
 * subgraphs and routers compose against) must be accepted on purpose, never written by a routine
 * `npm run codegen`. Accept with `npm run schema:accept -- "why it is safe"`, which records it in
 * SCHEMA_CHANGES.md.
 */

export const ACCEPT_ENV = 'ACCEPT_BREAKING_SCHEMA';

function schemaOf(sdl: string) {
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
