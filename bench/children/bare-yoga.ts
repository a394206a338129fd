/**
 * Benchmark child, scenario 6 reference (a): a bare graphql-yoga server over the gateway's own
 * SDL that answers the same query with the same objects, held in memory. No upstream, no
 * loaders, no plugins: what graphql-yoga itself costs for this response.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Kind, parse } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { serveIpc } from '../lib/ipc.js';

serveIpc({
  async start(args: { typeDefs: string; data: Record<string, unknown> }) {
    const abstractTypes = parse(args.typeDefs).definitions.flatMap((d) =>
      d.kind === Kind.INTERFACE_TYPE_DEFINITION || d.kind === Kind.UNION_TYPE_DEFINITION ? [d.name.value] : [],
    );
    const resolvers: Record<string, Record<string, unknown>> = {
      // Every root field of the captured response, returned as is.
      Query: Object.fromEntries(Object.entries(args.data).map(([field, value]) => [field, () => value])),
    };
    for (const name of abstractTypes)
      resolvers[name] = { __resolveType: (value: { __typename?: string }) => value.__typename };
    const yoga = createYoga({
      schema: createSchema({ typeDefs: args.typeDefs, resolvers }),
      graphqlEndpoint: '/graphql',
      logging: false,
      landingPage: false,
      graphiql: false,
    });
    const server = createServer(yoga);
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
  },
});
process.send?.({ type: 'ready' });
