import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ConfigError, type GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { useAuthentication } from './authentication.js';
import { useAcceptableResponse } from './acceptable-response.js';
import { useReadOperationsOnly } from './operation-policy.js';
import { useCostLimit, useDocumentLimits, useNestingLimit, useVariableLimits } from './query-limits.js';
import { useRequestBody } from './request-body.js';
import { useRequestParams } from './request-params.js';

/**
 * Everything between the socket and the schema, in the order it runs: Accept, body size, CSRF,
 * authentication, then, once the body is read, the parameters' types, variables, the
 * persisted-operations allow-list, nesting, the operation (a query, or a subscription as an event
 * stream), introspection, document
 * limits, cost.
 * All of it rejects before execution; authorization itself lives in the schema (scope-auth) and
 * in the request's view of the sources (context.ts).
 */
export function securityPlugins(config: GatewayConfig, logger: Logger): Plugin[] {
  const { limits } = config;
  const plugins: Plugin[] = [
    useAcceptableResponse(),
    useRequestBody(limits.maxBodyBytes),
    useRequestParams(),
    useCsrf(),
    ...useAuthentication(config.auth, logger),
    useVariableLimits(limits),
  ];
  if (limits.persistedOperations) {
    const store = loadPersistedOperations(limits.persistedOperations.file);
    logger.info(
      { operations: store.size, allowArbitraryOperations: limits.persistedOperations.allowArbitraryOperations },
      'persisted operations allow-list loaded',
    );
    const error = (code: string, message: string) => ({ message, extensions: { code, http: { status: 400 } } });
    plugins.push(
      usePersistedOperations({
        getPersistedOperation: (hash) => store.get(hash.toLowerCase()) ?? null,
        allowArbitraryOperations: limits.persistedOperations.allowArbitraryOperations,
        customErrors: {
          persistedQueryOnly: error(
            'PERSISTED_QUERY_ONLY',
            'this gateway accepts only persisted operations: send extensions.persistedQuery { version: 1, sha256Hash }',
          ),
          notFound: error('PERSISTED_QUERY_NOT_IN_LIST', 'no persisted operation has this hash'),
          keyNotFound: error(
            'PERSISTED_QUERY_ID_REQUIRED',
            'send a query or extensions.persistedQuery { version: 1, sha256Hash }',
          ),
        },
      }) as Plugin,
    );
  }
  plugins.push(useReadOperationsOnly());
  if (!limits.introspection) plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  // After the token limit, whose parser replaces any parser before it: nesting is checked first.
  plugins.push(...useDocumentLimits(limits), useNestingLimit(limits.maxNesting), useCostLimit(limits));
  return plugins;
}

/**
 * Yoga's CSRF prevention, with an error code clients can switch on. It passes a request a browser
 * cannot send across origins without a CORS preflight: one with a header that is not CORS-safelisted.
 * Its own `x-graphql-yoga-csrf` is one; so are the credential headers, and every request needs one of
 * those (a browser never attaches either on its own), which lets GET subscriptions from routers
 * (Hive Gateway asks a subgraph for `text/event-stream` over GET) through.
 */
function useCsrf(): Plugin {
  const inner = useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization', 'x-api-key'] }) as Plugin;
  return {
    onRequestParse(payload) {
      try {
        return inner.onRequestParse?.(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new GraphQLError(
          'a GET or simple POST (text/plain, form) request needs its credential (Authorization or X-API-Key) or the "x-graphql-yoga-csrf" header; JSON requests (content-type: application/json) need nothing more',
          { extensions: { code: 'BAD_REQUEST', reason: 'CSRF_PREVENTED', http: { status: 403 } } },
        );
      }
    },
  };
}

/** `{ "<sha256 hex of the document>": "<document>" }`; a hash that does not match its document is a configuration error. */
function loadPersistedOperations(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([
      `limits.persistedOperations.file: cannot read ${path} as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]})`,
    ]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError([`limits.persistedOperations.file: ${path} must hold an object of hash → document`]);
  const problems: string[] = [];
  const store = new Map<string, string>();
  for (const [hash, document] of Object.entries(raw)) {
    if (typeof document !== 'string') {
      problems.push(`limits.persistedOperations.file: "${hash}" is not a document string`);
      continue;
    }
    const actual = createHash('sha256').update(document).digest('hex');
    if (actual !== hash.toLowerCase())
      problems.push(`limits.persistedOperations.file: "${hash}" is not the sha256 of its document (${actual})`);
    store.set(actual, document);
  }
  if (problems.length) throw new ConfigError(problems);
  return store;
}
