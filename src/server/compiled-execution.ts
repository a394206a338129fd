import { useGraphQlJit } from '@envelop/graphql-jit';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';

/** Root fields a federation router sends; those operations run on the standard executor. */
const FEDERATION_FIELDS = new Set(['_entities', '_service']);

const isFederationRequest = new WeakMap<DocumentNode, boolean>();

function selectsFederationFields(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  return !!operation?.selectionSet.selections.some((s) => s.kind === Kind.FIELD && FEDERATION_FIELDS.has(s.name.value));
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
      enableIf: ({ document, operationName }) => {
        let federation = isFederationRequest.get(document);
        if (federation === undefined) {
          federation = selectsFederationFields(document, operationName);
          isFederationRequest.set(document, federation);
        }
        return !federation;
      },
      onError: (result) => logger.warn({ errors: result.errors?.map((e) => e.message) }, 'query could not be compiled; it failed'),
    },
  ) as Plugin;
}
