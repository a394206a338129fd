import { useGraphQlJit } from '@envelop/graphql-jit';
import { Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';

/** Root fields a federation router sends; those operations run on the standard executor. */
const FEDERATION_FIELDS = new Set(['_entities', '_service']);

/** Per document: whether any of its operations asks a federation root field (the answer is the same whichever operation runs). */
const hasFederationFields = new WeakMap<DocumentNode, boolean>();

function selectsFederationFields(document: DocumentNode): boolean {
  let found = hasFederationFields.get(document);
  if (found === undefined) {
    found = document.definitions.some(
      (d) => d.kind === Kind.OPERATION_DEFINITION && d.selectionSet.selections.some((s) => s.kind === Kind.FIELD && FEDERATION_FIELDS.has(s.name.value)),
    );
    hasFederationFields.set(document, found);
  }
  return found;
}

/**
 * Client operations execute as code compiled once per document (graphql-jit): the standard
 * executor's per-field bookkeeping was the largest part of the gateway's own CPU per request
 * (BENCHMARKS.md). Federation entity fetches stay on the standard executor, which
 * @apollo/subgraph's entity resolution is written and tested against.
 */
export function useCompiledExecution(logger: Logger): Plugin {
  return useGraphQlJit(
    {},
    {
      enableIf: ({ document }) => !selectsFederationFields(document),
      onError: (result) => logger.warn({ errors: result.errors?.map((e) => e.message) }, 'query could not be compiled; it failed'),
    },
  ) as Plugin;
}
