/**
 * The one redactor: every message and log line passes it. It strips the configured secrets
 * themselves (and any a client passes for the moment, such as its current login tokens), and the
 * places credentials travel: pop-core's signed URLs in its error messages, Alibaba `acs`, Huawei
 * SDK-HMAC-SHA256 and AWS SigV4 authorization values, auth headers, bearer tokens, JWTs, API keys.
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/,?\s*URL:\s*\S+/g, ''],
  [
    /\b(AccessKeyId|Signature|SecurityToken|SignatureNonce|X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature)=[^&\s"']*/gi,
    '$1=[REDACTED]',
  ],
  [/\bacs\s+[^:\s"]+:[A-Za-z0-9+/=]+/g, 'acs [REDACTED]'],
  [/((?:SDK|AWS4)-HMAC-SHA256\s+)[^\n"']*/g, '$1[REDACTED]'],
  [
    /("?(?:x-auth-token|x-subject-token|authorization|x-security-token|x-amz-security-token|x-api-key)"?\s*[:=]\s*"?)[^\s",}]+/gi,
    '$1[REDACTED]',
  ],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[REDACTED]'],
  [/\b(Bearer|ApiKey)\s+[^\s",}]+/gi, '$1 [REDACTED]'],
];

const registered = new Set<string>();

/** Adds values that must never be printed (keys, secrets, passwords, tokens). */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

/** `also`: secrets that matter only for now (a client's current tokens), not registered for good. */
export function redact(text: string, also: Iterable<string> = []): string {
  let out = text;
  for (const value of registered) out = out.split(value).join('[REDACTED]');
  for (const value of also) if (value.length >= 4) out = out.split(value).join('[REDACTED]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
