import { createRequire } from 'node:module';
import { toPlain } from './normalize.js';

/**
 * pop-core parses every Alibaba answer with json-bigint, a JavaScript parser that is several times
 * slower than `JSON.parse` and gives null-prototype objects with BigNumber for long integers. An
 * SAE namespace list of 500 secrets took ~8 ms to parse that way, per request. We give pop-core's
 * json-bigint a `parse` that runs the native parser and keeps integers beyond 2^53 exact, as
 * decimal strings (what `toPlain` made of json-bigint's BigNumbers, so callers see no difference).
 */

/** A JSON string token, or an integer token of 16+ digits (never part of a decimal or exponent). */
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d{16,}(?![\w.])/g;
/**
 * Keys JSON.parse would create as own properties but json-bigint refuses (`__proto__`,
 * `constructor`), also when written with \u escapes: such rare bodies take json-bigint's path.
 */
const UNUSUAL = /__proto__|constructor|\\u00[0-7]/;

export function parseJsonKeepingLongIntegers(text: string, slowParse: (text: string) => unknown): unknown {
  if (UNUSUAL.test(text)) return toPlain(slowParse(text));
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return JSON.parse(
    text.replace(STRING_OR_LONG_INTEGER, (token) => (token.charCodeAt(0) === 0x22 || Number.isSafeInteger(Number(token)) ? token : `"${token}"`)),
  );
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
