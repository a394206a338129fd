import { pino, type DestinationStream, type Logger } from 'pino';
import { redact } from './upstream/redact.js';

/** Bearer tokens, JWTs and API keys wherever they appear in a line. */
const CREDENTIALS: Array<[RegExp, string]> = [
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[REDACTED]'],
  [/\b(Bearer|ApiKey)\s+[^\s",}]+/gi, '$1 [REDACTED]'],
  [/("?x-api-key"?\s*[:=]\s*"?)[^\s",}]+/gi, '$1[REDACTED]'],
];

function redactCredentials(line: string): string {
  let out = line;
  for (const [pattern, replacement] of CREDENTIALS) out = out.replace(pattern, replacement);
  return out;
}

/** One structured logger; every string that leaves it passes the credential redactor. */
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
        streamWrite: (line) => redactCredentials(redact(line)),
      },
    },
    (options.destination ?? process.stdout) as DestinationStream,
  );
}

export type { Logger };
