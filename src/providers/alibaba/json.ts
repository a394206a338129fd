import { createRequire } from 'node:module';
import { toPlain } from '../../sources/normalize.js';

/**
 * pop-core parses every Alibaba answer with json-bigint, a JavaScript parser that is several times
 * slower than `JSON.parse` and gives null-prototype objects with BigNumber for long integers. An
 * SAE namespace list of 500 secrets took ~8 ms to parse that way, per request. We give pop-core's
 * json-bigint a `parse` that runs the native parser and keeps integers beyond 2^53 exact, as
 * decimal strings (what `toPlain` made of json-bigint's BigNumbers, so callers see no difference).
 */

/**
 * An integer of 16+ digits standing as a value: after `:`, `,` or `[`, before `,`, `}` or `]`.
 * The same characters inside a string would be quoted too, but that always breaks the JSON (a
 * string followed by digits): such a body is then read by json-bigint instead.
 */
const LONG_INTEGER_VALUE = /([:,[]\s*)(-?\d{16,})(?=\s*[,}\]])/g;
/**
 * Keys JSON.parse would create as own properties but json-bigint refuses (`__proto__`,
 * `constructor`), also when written with \u escapes: such rare bodies take json-bigint's path.
 */
const UNUSUAL = /__proto__|constructor|\\u00[0-7]/;

export function parseJsonKeepingLongIntegers(text: string, slowParse: (text: string) => unknown): unknown {
  if (UNUSUAL.test(text)) return toPlain(slowParse(text));
  const quoted = text.replace(LONG_INTEGER_VALUE, (match, before: string, digits: string) =>
    Number.isSafeInteger(Number(digits)) ? match : `${before}"${digits}"`,
  );
  try {
    return JSON.parse(quoted);
  } catch (error) {
    if (quoted === text) throw error;
    return toPlain(slowParse(text));
  }
}

let installed = false;

/** Swaps the parser of the json-bigint instance pop-core loads (once per process). */
export function installFastJsonForPopCore(): void {
  if (installed) return;
  const fromPopCore = createRequire(createRequire(import.meta.url).resolve('@alicloud/pop-core'));
  const jsonBigint = fromPopCore('json-bigint') as { parse: (text: string) => unknown };
  const slowParse = jsonBigint.parse;
  jsonBigint.parse = (text: string) => parseJsonKeepingLongIntegers(String(text), slowParse);
  installed = true;
}
