import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Request errors that GraphQL itself raises before execution (a variable of the wrong type, an
 * unknown enum value) carry no code; give them the one every bad input has, so clients can switch on it.
 */
export function useRequestErrorCodes(): Plugin {
  const withCodes = ({ result, setResult }: { result: unknown; setResult: (result: ExecutionResult) => void }) => {
    if (!result || typeof result !== 'object' || Symbol.asyncIterator in result) return;
    const { data, errors } = result as ExecutionResult;
    if (data !== undefined || !errors?.length || errors.every((e) => e.extensions?.code)) return;
    setResult({
      ...(result as ExecutionResult),
      errors: errors.map((e) =>
        e.extensions?.code
          ? e
          : new GraphQLError(e.message, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              path: e.path,
              originalError: e.originalError,
              extensions: { ...e.extensions, code: 'BAD_USER_INPUT' },
            }),
      ),
    });
  };
  return {
    onExecute: () => ({ onExecuteDone: withCodes }),
    // A subscription that cannot start (its variables) answers like a query that cannot run.
    onSubscribe: () => ({ onSubscribeResult: withCodes }),
  };
}
