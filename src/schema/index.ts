import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './refs.js';
import './secret.js';
import './secret-connection.js';
import './namespace.js';
import './related-app.js';
import './source.js';
import './query.js';

export const schema: GraphQLSchema = builder.toSchema();

export function printGatewaySchema(): string {
  return printSchema(lexicographicSortSchema(schema));
}
