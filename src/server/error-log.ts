import { maskError as yogaMaskError, type Plugin } from 'graphql-yoga';
import type { GraphQLError } from 'graphql';
import type { Logger } from '../logger.js';
import { requestIdOf } from './request-id.js';

type YogaLogger = Record<'debug' | 'info' | 'warn' | 'error', (...args: unknown[]) => void>;

function describe(error: unknown): string {
  const cause = (error as GraphQLError | undefined)?.originalError ?? error;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/**
 * Unexpected errors, logged once by the request that met them, with its request id. Yoga masks
 * them (`Unexpected error.`) and logs them through a logger that knows no request; here the
 * masked error remembers its original, and the request logs it when its result is processed.
 */
export function unexpectedErrorLogging(logger: Logger): {
  maskError: typeof yogaMaskError;
  yogaLogger: YogaLogger;
  plugin: Plugin;
} {
  const originals = new WeakMap<object, unknown>();
  const loggedByRequest = new WeakSet<object>();
  return {
    maskError(error, message, isDev) {
      const masked = yogaMaskError(error, message, isDev);
      if (masked !== error && typeof masked === 'object' && masked !== null) {
        originals.set(masked, error);
        if (typeof error === 'object' && error !== null) loggedByRequest.add(error);
      }
      return masked;
    },
    yogaLogger: {
      // Yoga's per-request traces ("Parsing request ...") carry no request and say nothing a
      // request's own lines do not.
      debug: () => {},
      info: (...args) => logger.info({ yoga: args.map(String) }),
      warn: (...args) => logger.warn({ yoga: args.map(String) }),
      error: (...args) => {
        if (args.length === 1 && typeof args[0] === 'object' && args[0] !== null && loggedByRequest.has(args[0]))
          return;
        logger.error({ yoga: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))) });
      },
    },
    plugin: {
      onResultProcess({ request, result }) {
        if (!result || Symbol.asyncIterator in result) return;
        for (const one of Array.isArray(result) ? result : [result]) {
          for (const error of one.errors ?? []) {
            const original = originals.get(error);
            if (original === undefined) continue;
            originals.delete(error);
            logger.error(
              { requestId: requestIdOf(request), error: describe(original), path: error.path },
              'unexpected error (masked in the response)',
            );
          }
        }
      },
    },
  };
}
