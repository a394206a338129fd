import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from './upstream/redact.js';

/** One structured logger; every string that leaves it passes the one redactor (src/upstream/redact.ts). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'secrets-gateway' },
      redact: {
        paths: [
          '*.accessKeySecret',
          '*.accessKeyId',
          '*.sk',
          '*.ak',
          '*.password',
          '*.token',
          '*.authorization',
          'req.headers.authorization',
          '*.headers["x-auth-token"]',
          '*.headers["x-api-key"]',
          '*["x-api-key"]',
          '*.hs256Secret',
          '*.apiKey',
        ],
        censor: '[REDACTED]',
      },
      hooks: {
        streamWrite: (line) => redact(line),
      },
    },
    (options.destination ?? process.stdout) as DestinationStream,
  );
}

export type { Logger };
