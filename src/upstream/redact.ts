/**
 * Strips credentials from any text before it reaches a message or a log line: the configured
 * secrets themselves, and the places clients echo them (pop-core appends the signed URL, with
 * AccessKeyId and Signature, to its error messages).
 */
const PATTERNS: Array<[RegExp, string]> = [
  [/,?\s*URL:\s*\S+/g, ''],
  [/\b(AccessKeyId|Signature|SecurityToken|SignatureNonce)=[^&\s"']*/gi, '$1=[REDACTED]'],
  [/\bacs\s+[^:\s"]+:[A-Za-z0-9+/=]+/g, 'acs [REDACTED]'],
  [/(SDK-HMAC-SHA256\s+)[^\n"']*/g, '$1[REDACTED]'],
  [/("?(?:x-auth-token|x-subject-token|authorization|x-security-token)"?\s*[:=]\s*"?)[^\s",}]+/gi, '$1[REDACTED]'],
];

const registered = new Set<string>();

/** Adds values that must never be printed (keys, secrets, passwords, tokens). */
export function registerSecret(value: string | null | undefined): void {
  if (value && value.length >= 4) registered.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const value of registered) out = out.split(value).join('[REDACTED]');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
