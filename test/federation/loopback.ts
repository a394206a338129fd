import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Serves a request handler (yoga, a gateway) at /graphql on 127.0.0.1, on a free port. */
export async function listenOnLoopback(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
