import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Request errors that GraphQL itself raises before execution (a variable of the wrong type, an
 * unknown enum value) carry no code; give them the one every bad input has, so clients can switch on it.
 */
export function useRequestErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!result || Symbol.asyncIterator in result || result.data !== undefined || !result.errors?.length) return;
          if (result.errors.every((e) => e.extensions?.code)) return;
          setResult({
            ...result,
            errors: result.errors.map((e) =>
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
        },
      };
    },
  };
}
