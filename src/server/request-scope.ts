import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { requestScope } from '../upstream/request-scope.js';

/** Runs execution inside the request's scope, so every upstream call knows its deadline and request id. */
export function useRequestScope(): Plugin<GatewayContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => requestScope.run((args.contextValue as GatewayContext).scope, () => executeFn(args)));
    },
  };
}
