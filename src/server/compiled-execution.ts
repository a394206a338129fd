import { useGraphQlJit } from '@envelop/graphql-jit';
import { getOperationAST, Kind, type DocumentNode, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context.js';

/**
 * Root fields whose operations run on the standard executor: the ones a federation router sends,
 * and `nodes`, whose items fail one by one (graphql-jit 0.8 drops a list's trailing items that
 * resolved to an error, so `[ok, bad]` came back as `[ok]`).
 */
const STANDARD_EXECUTOR_FIELDS = new Set(['_entities', '_service', 'nodes']);

/** Per document: whether any of its operations asks such a field (the answer is the same whichever operation runs). */
const needsStandardExecutor = new WeakMap<DocumentNode, boolean>();

function selectsStandardExecutorFields(document: DocumentNode): boolean {
  let found = needsStandardExecutor.get(document);
  if (found === undefined) {
    const fragments = new Map(
      document.definitions.flatMap((d) =>
        d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [],
      ),
    );
    const visited = new Set<string>();
    const selects = (set: SelectionSetNode): boolean =>
      set.selections.some((s) => {
        if (s.kind === Kind.FIELD) return STANDARD_EXECUTOR_FIELDS.has(s.name.value);
        if (s.kind === Kind.INLINE_FRAGMENT) return selects(s.selectionSet);
        const fragment = fragments.get(s.name.value);
        return !!fragment && !visited.has(s.name.value) && (visited.add(s.name.value), selects(fragment));
      });
    found = document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && selects(d.selectionSet));
    needsStandardExecutor.set(document, found);
  }
  return found;
}

/**
 * Client operations execute as code compiled once per document (graphql-jit): the standard
 * executor's per-field bookkeeping was the largest part of the gateway's own CPU per request
 * (BENCHMARKS.md). Federation entity fetches stay on the standard executor, which
 * @apollo/subgraph's entity resolution is written and tested against, and so does `nodes`.
 */
export function useCompiledExecution(): Plugin[] {
  // A document that cannot be compiled fails with this result; the request that met it logs it (with its request id).
  const compileFailures = new WeakSet<object>();
  return [
    useGraphQlJit(
      {},
      {
        // Subscriptions execute event by event on the standard executor (useSubscriptionEvents).
        enableIf: ({ document, operationName }) =>
          getOperationAST(document, operationName)?.operation !== 'subscription' &&
          !selectsStandardExecutorFields(document),
        onError: (result) => compileFailures.add(result),
      },
    ) as Plugin,
    {
      onExecute() {
        return {
          onExecuteDone({ args, result }) {
            if (!compileFailures.has(result)) return;
            const { logger } = args.contextValue as unknown as GatewayContext;
            logger.warn(
              { errors: (result as ExecutionResult).errors?.map((e) => e.message) },
              'query could not be compiled; it failed',
            );
          },
        };
      },
    },
  ];
}
