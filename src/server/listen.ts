import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import type { Gateway } from './app.js';

export interface RunningServer {
  url: string;
  server: Server;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Only origin-form request targets (`/graphql?...`) reach the gateway: an absolute-form
 * (`http://host/graphql`) or asterisk-form (`*`) target cannot be made into a request URL, and
 * yoga would answer it with a 500.
 */
function refuseOtherRequestTargets(handler: RequestListener): RequestListener {
  return (req, res) => {
    if (req.url?.startsWith('/')) return handler(req, res);
    const body = JSON.stringify({
      errors: [
        {
          message: 'the request target must be a path (origin-form, e.g. /graphql)',
          extensions: { code: 'BAD_REQUEST', reason: 'INVALID_REQUEST_TARGET' },
        },
      ],
    });
    res
      .writeHead(400, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'x-request-id': randomUUID(),
      })
      .end(body);
  };
}

export async function listen(gateway: Gateway, host: string, port: number): Promise<RunningServer> {
  const server = createServer(refuseOtherRequestTargets(gateway.yoga));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error);
      reject(
        new Error(
          `port ${port} on ${host} is already in use (another gateway?). Choose another one: PORT=${port === 0 ? 4001 : port + 1} npm start, or server.port in the configuration.`,
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await gateway.close();
    },
  };
}

/** A loopback port nobody listens on now, for a child process (a gateway, redis-server) to take. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
