import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  GraphQLError,
  Lexer,
  Source,
  TokenKind,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../auth/config.js';
import type { GatewayContext } from '../context.js';

/**
 * Query limits, all applied before anything executes (so a rejected query never reaches a
 * cloud API): body size (HTTP 413, counted while it streams), variables (depth, size, list
 * length), nesting and tokens (at parse), depth, aliases and directives (at
 * validation), breadth and the upstream-call cost estimate (after validation, with the
 * variables, before the first resolver). Every rejection is `QUERY_LIMIT_EXCEEDED` with a
 * `reason` and the `limit`.
 */

export type LimitReason =
  | 'MAX_BODY_BYTES'
  | 'MAX_VARIABLES_DEPTH'
  | 'MAX_VARIABLES_BYTES'
  | 'MAX_VARIABLES_LIST_LENGTH'
  | 'MAX_NESTING'
  | 'MAX_TOKENS'
  | 'MAX_DEPTH'
  | 'MAX_ALIASES'
  | 'MAX_DIRECTIVES'
  | 'MAX_BREADTH'
  | 'MAX_COST';

export function limitError(
  reason: LimitReason,
  message: string,
  limit: number,
  extra: Record<string, unknown> = {},
): GraphQLError {
  // `spec`: like a validation error, 400 for application/graphql-response+json and 200 for application/json.
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_LIMIT_EXCEEDED', reason, limit, ...extra, http: { status: 400, spec: true } },
  });
}

const clean = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, '');

/**
 * `variables` and `extensions` are client JSON of any shape: measured without recursion (depth,
 * size as JSON, longest list) before anything else reads them, so that nothing after this
 * (JSON.stringify of cache keys, variable coercion) meets an unbounded depth.
 */
export function useVariableLimits(
  limits: Pick<LimitsConfig, 'maxVariablesDepth' | 'maxVariablesBytes' | 'maxVariablesListLength'>,
): Plugin {
  return {
    onParams({ params }) {
      for (const param of ['variables', 'extensions'] as const) {
        const value = params[param];
        if (value === undefined || value === null) continue;
        const problem = measureJson(value, limits);
        if (problem) throw limitError(problem.reason, `${param}: ${problem.message}`, problem.limit, { param });
      }
    },
  };
}

interface JsonProblem {
  reason: LimitReason;
  message: string;
  limit: number;
}

/** Depth, JSON size and list lengths of a parsed JSON value, walked with an explicit stack; stops at the first limit passed. */
export function measureJson(
  root: unknown,
  limits: Pick<LimitsConfig, 'maxVariablesDepth' | 'maxVariablesBytes' | 'maxVariablesListLength'>,
): JsonProblem | null {
  const stack: Array<[unknown, number]> = [[root, 0]];
  let bytes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value !== null && typeof value === 'object') {
      if (depth + 1 > limits.maxVariablesDepth) {
        return {
          reason: 'MAX_VARIABLES_DEPTH',
          message: `nested deeper than ${limits.maxVariablesDepth} levels`,
          limit: limits.maxVariablesDepth,
        };
      }
      if (Array.isArray(value)) {
        if (value.length > limits.maxVariablesListLength) {
          return {
            reason: 'MAX_VARIABLES_LIST_LENGTH',
            message: `a list of ${value.length} items; at most ${limits.maxVariablesListLength} are accepted`,
            limit: limits.maxVariablesListLength,
          };
        }
        bytes += 2 + Math.max(0, value.length - 1);
        for (const item of value) stack.push([item, depth + 1]);
      } else {
        const entries = Object.entries(value);
        bytes += 2 + Math.max(0, entries.length - 1);
        for (const [key, item] of entries) {
          bytes += key.length + 3;
          stack.push([item, depth + 1]);
        }
      }
    } else {
      bytes += typeof value === 'string' ? value.length + 2 : String(value).length;
    }
    if (bytes > limits.maxVariablesBytes) {
      return {
        reason: 'MAX_VARIABLES_BYTES',
        message: `over ${limits.maxVariablesBytes} bytes as JSON`,
        limit: limits.maxVariablesBytes,
      };
    }
  }
  return null;
}

/**
 * The parser recurses once per open bracket, brace or parenthesis: a document nested a few
 * thousand levels deep (inside the token limit) would exhaust the stack. Counted with graphql's
 * own lexer (no recursion) before the document is parsed; cached documents are not lexed again.
 */
export function useNestingLimit(maxNesting: number): Plugin {
  return {
    onParse({ parseFn, setParseFn }) {
      setParseFn((source, options) => {
        assertNesting(typeof source === 'string' ? source : source.body, maxNesting);
        return parseFn(source, options);
      });
    },
  };
}

const OPENING = new Set<string>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<string>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

function assertNesting(body: string, maxNesting: number): void {
  const lexer = new Lexer(new Source(body));
  let depth = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (OPENING.has(token.kind) && ++depth > maxNesting) {
        throw limitError(
          'MAX_NESTING',
          `the document nests brackets, braces or parentheses deeper than ${maxNesting} levels`,
          maxNesting,
        );
      }
      if (CLOSING.has(token.kind)) depth--;
    }
  } catch (error) {
    // A lexical error is the parser's to report, with its own message and position.
    if (error instanceof GraphQLError && error.extensions.reason === 'MAX_NESTING') throw error;
  }
}

/** Document shape: tokens at parse, depth, aliases and directives at validation (graphql-armor rules, our error codes). */
export function useDocumentLimits(limits: LimitsConfig): Plugin[] {
  const report = (reason: LimitReason, limit: number) => [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(limitError(reason, clean(error), limit)),
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
    maxDepthPlugin({
      n: limits.maxDepth,
      propagateOnRejection: false,
      onReject: report('MAX_DEPTH', limits.maxDepth),
    }) as Plugin,
    maxAliasesPlugin({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: report('MAX_ALIASES', limits.maxAliases),
    }) as Plugin,
    maxDirectivesPlugin({
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: report('MAX_DIRECTIVES', limits.maxDirectives),
    }) as Plugin,
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
  // A subscription is measured once, as it starts: the cost of one event.
  const check = ({ args, setResultAndStopExecution }: CheckedPhase): void => {
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
          add(
            limitError(
              'MAX_BREADTH',
              `the query selects ${state.breadth} fields; at most ${limits.maxBreadth} are allowed`,
              limits.maxBreadth,
              { found: state.breadth },
            ),
          );
        }
        if (state.complexity > limits.maxCost) {
          add(
            limitError(
              'MAX_COST',
              `the query may cause about ${state.complexity} upstream calls; at most ${limits.maxCost} are allowed (ask for smaller pages or fewer detail fields)`,
              limits.maxCost,
              {
                found: state.complexity,
              },
            ),
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
      if (error instanceof GraphQLError) {
        setResultAndStopExecution({ errors: [error] });
        return;
      }
      throw error;
    }
    if (own.length > 0) {
      setResultAndStopExecution({ errors: own });
      return;
    }
    if (!seen) passed.set(args.document, (seen = new Set()));
    if (seen.size >= 256) seen.clear();
    seen.add(key);
  };
  return { onExecute: check, onSubscribe: check };
}

/** What the cost check reads of the execute and subscribe phases alike. */
interface CheckedPhase {
  args: Pick<ExecutionArgs, 'contextValue' | 'operationName' | 'variableValues' | 'document' | 'schema'>;
  setResultAndStopExecution: (result: ExecutionResult) => void;
}
