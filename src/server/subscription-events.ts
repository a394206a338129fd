import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { eventContext, type AppServices, type GatewayContext } from '../context.js';

/**
 * Each event of a subscription executes as a request of its own. graphql-js runs every event in the
 * subscription's one context: its loaders would cache for the life of the stream and its deadline
 * would pass after `requestDeadlineMs`. Here each event gets fresh per-request state
 * (`eventContext`), on the standard executor, and its sources' failures beside its data.
 */
export function useSubscriptionEvents(services: AppServices): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args: ExecutionArgs) => {
        const stream = await createSourceEventStream(args);
        if (!isAsyncIterable(stream)) return stream as ExecutionResult;
        return mapAsyncIterator(stream, async (payload) => {
          const contextValue = eventContext(services, args.contextValue as GatewayContext);
          const result = await execute({ ...args, rootValue: payload, contextValue });
          const partial = contextValue.partialErrors;
          return partial.length ? { ...result, errors: [...(result.errors ?? []), ...partial] } : result;
        });
      });
    },
  };
}
