import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from './upstream/redact.js';

/** One structured logger; every string that leaves it passes the credential redactor. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'secrets-gateway' },
      redact: {
        paths: ['*.accessKeySecret', '*.accessKeyId', '*.sk', '*.ak', '*.password', '*.token', '*.authorization', 'req.headers.authorization', '*.headers["x-auth-token"]'],
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
