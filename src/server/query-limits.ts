import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { GraphQLError, validate, type DocumentNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../auth/config.js';
import type { GatewayContext } from '../context.js';

/**
 * Query limits, all applied before anything executes (so a rejected query never reaches a
 * cloud API): body size (HTTP 413), tokens (at parse), depth, aliases and directives (at
 * validation), breadth and the upstream-call cost estimate (after validation, with the
 * variables, before the first resolver). Every rejection is `QUERY_LIMIT_EXCEEDED` with a
 * `reason` and the `limit`.
 */

export type LimitReason = 'MAX_BODY_BYTES' | 'MAX_TOKENS' | 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_DIRECTIVES' | 'MAX_BREADTH' | 'MAX_COST';

export function limitError(reason: LimitReason, message: string, limit: number, extra: Record<string, unknown> = {}): GraphQLError {
  // `spec`: like a validation error, 400 for application/graphql-response+json and 200 for application/json.
  return new GraphQLError(message, { extensions: { code: 'QUERY_LIMIT_EXCEEDED', reason, limit, ...extra, http: { status: 400, spec: true } } });
}

const clean = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, '');

/** Bodies over the limit are refused from their Content-Length, before they are read. */
export function useBodyLimit(maxBytes: number, endpoint = '/graphql'): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint || request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      const length = request.headers.get('content-length');
      const respond = (status: number, message: string) => {
        const body = { errors: [{ message, extensions: { code: 'QUERY_LIMIT_EXCEEDED', reason: 'MAX_BODY_BYTES', limit: maxBytes } }] };
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } }));
      };
      if (length === null) {
        if (request.body !== null) respond(411, 'a request body needs a Content-Length header');
        return;
      }
      const bytes = Number(length);
      if (!Number.isSafeInteger(bytes) || bytes < 0) return respond(400, 'the Content-Length header is not a number');
      if (bytes > maxBytes) respond(413, `the request body is ${bytes} bytes; at most ${maxBytes} are accepted`);
    },
  };
}

/** Document shape: tokens at parse, depth, aliases and directives at validation (graphql-armor rules, our error codes). */
export function useDocumentLimits(limits: LimitsConfig): Plugin[] {
  const report = (reason: LimitReason, limit: number) => [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(reason, clean(error), limit)),
  ];
  return [
    maxTokensPlugin({
      n: limits.maxTokens,
      onReject: [
        (_context: unknown, error: GraphQLError) => {
          throw limitError('MAX_TOKENS', clean(error), limits.maxTokens);
        },
      ],
    }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, propagateOnRejection: false, onReject: report('MAX_DEPTH', limits.maxDepth) }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, propagateOnRejection: false, onReject: report('MAX_ALIASES', limits.maxAliases) }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, propagateOnRejection: false, onReject: report('MAX_DIRECTIVES', limits.maxDirectives) }) as Plugin,
  ];
}

/**
 * Breadth and cost from the schema's `complexity` declarations (@pothos/plugin-complexity's rule):
 * cost estimates the upstream calls a query may cause (see README "Query limits"). Measured with
 * the request's variables and context, so it runs per request, after the cached validation.
 */
export function useCostLimit(limits: Pick<LimitsConfig, 'maxCost' | 'maxBreadth'>): Plugin {
  // Queries that passed, per document, by what the cost depends on: the operation, the variables
  // and the caller's grant (which decides how many sources a field fans out to). Portals repeat
  // the same few queries; measuring one walks the whole document with a TypeInfo.
  const passed = new WeakMap<DocumentNode, Set<string>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as unknown as GatewayContext;
      const key = `${context.grant?.digest}\n${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
      let seen = passed.get(args.document);
      if (seen?.has(key)) return;
      const own: GraphQLError[] = [];
      const rule = createComplexityRule({
        context,
        variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
        operationName: args.operationName ?? undefined,
        validate: (state, report) => {
          const add = (error: GraphQLError) => {
            own.push(error);
            report(error);
          };
          if (state.breadth > limits.maxBreadth) {
            add(limitError('MAX_BREADTH', `the query selects ${state.breadth} fields; at most ${limits.maxBreadth} are allowed`, limits.maxBreadth, { found: state.breadth }));
          }
          if (state.complexity > limits.maxCost) {
            add(
              limitError('MAX_COST', `the query may cause about ${state.complexity} upstream calls; at most ${limits.maxCost} are allowed (ask for smaller pages or fewer detail fields)`, limits.maxCost, {
                found: state.complexity,
              }),
            );
          }
        },
      });
      // Variable problems are left to execution, which reports them with its own codes.
      try {
        validate(args.schema, args.document, [rule]);
      } catch (error) {
        // An argument the cost depends on cannot be read (a malformed ID in `nodes(ids:)`): without
        // a cost there is no execution; the caller gets that argument's own error.
        if (error instanceof GraphQLError) return setResultAndStopExecution({ errors: [error] });
        throw error;
      }
      if (own.length > 0) return setResultAndStopExecution({ errors: own });
      if (!seen) passed.set(args.document, (seen = new Set()));
      if (seen.size >= 256) seen.clear();
      seen.add(key);
    },
  };
}
