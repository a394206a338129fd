import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';

/** Appends the failures of single sources to `errors`, beside the data the others returned. */
export function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const errors = (args.contextValue as GatewayContext).partialErrors;
          if (errors.length === 0 || !result || Symbol.asyncIterator in result) return;
          setResult({ ...result, errors: [...(result.errors ?? []), ...errors] });
        },
      };
    },
  };
}
