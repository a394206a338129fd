import { useGraphQlJit } from '@envelop/graphql-jit';
import { Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.js';

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
export function useCompiledExecution(): Plugin[] {
  // A document that cannot be compiled fails with this result; the request that met it logs it (with its request id).
  const compileFailures = new WeakSet<object>();
  return [
    useGraphQlJit(
      {},
      {
        enableIf: ({ document }) => !selectsFederationFields(document),
        onError: (result) => compileFailures.add(result),
      },
    ) as Plugin,
    {
      onExecute() {
        return {
          onExecuteDone({ args, result }) {
            if (!compileFailures.has(result)) return;
            const { logger } = args.contextValue as unknown as GatewayContext;
            logger.warn({ errors: (result as ExecutionResult).errors?.map((e) => e.message) }, 'query could not be compiled; it failed');
          },
        };
      },
    },
  ];
}
