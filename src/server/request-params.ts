import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The JSON type each GraphQL-over-HTTP parameter must have when present and not null. */
const PARAMETER_TYPES = {
  query: 'string',
  operationName: 'string',
  variables: 'object',
  extensions: 'object',
} as const;

type Parameter = keyof typeof PARAMETER_TYPES;

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function malformed(message: string, parameter?: Parameter): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'BAD_REQUEST',
      reason: 'MALFORMED_PARAMS',
      ...(parameter && { parameter }),
      http: { status: 400 },
    },
  });
}

/**
 * The GraphQL-over-HTTP parameters (`query`, `operationName`, `variables`, `extensions`), checked
 * once, as soon as the request is read, whether they came from a JSON body or a query string:
 * every plugin after this one (limits, persisted operations, the response cache's key) reads
 * well-typed parameters. Absent and null are alike (the GraphQL-over-HTTP spec allows null for
 * the optional ones; a missing `query` is left to yoga and the persisted operations). A batch
 * (an array) is left to yoga, which refuses it.
 */
export function useRequestParams(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (requestParser)
        setRequestParser(async (request) => {
          try {
            return await requestParser(request);
          } catch (error) {
            // JSON.parse of a query-string or form parameter: the client's error, not the server's.
            if (error instanceof GraphQLError) throw error;
            throw malformed('the request parameters are malformed: "variables" and "extensions" must be JSON objects');
          }
        });
      return {
        onRequestParseDone({ requestParserResult: params }) {
          if (Array.isArray(params)) return;
          for (const [parameter, expected] of Object.entries(PARAMETER_TYPES) as Array<[Parameter, string]>) {
            const found = jsonTypeOf(params[parameter]);
            if (found !== expected && found !== 'null' && found !== 'undefined')
              throw malformed(
                `the "${parameter}" parameter must be ${expected === 'object' ? 'a JSON object' : 'a string'} or null (found: ${found})`,
                parameter,
              );
          }
        },
      };
    },
  };
}
