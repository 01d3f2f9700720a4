// Python's `json.dumps(value, separators=(",", ":"))` of a JSON text, computed from the text itself: port-agent
// signs that form and sends `json.dumps(value)`. Working from the text keeps what JSON.parse would lose:
// the spelling of numbers (an integer stays an integer of any size, a float takes Python's repr: 1e-07, 1e+16,
// 1.0) and the order of integer-like keys. Strings are escaped as Python's ensure_ascii does.

/** Python's repr of a float: the shortest round-trip digits, positional when -4 < decimal point <= 16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e'); // shortest round-trip digits
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  const point = exp + 1; // digits × 10^(point - digits.length)
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function pythonNumber(token: string): string {
  if (!/[.eE]/.test(token)) return /^-0+$/.test(token) ? '0' : token; // an int: exact, whatever its size
  return pythonFloatRepr(Number(token));
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** A string token Python would write differently: an escape, or a character outside printable ASCII. */
const REWRITE_STRING = /[\\\u0000-\u001f\u007f-\uffff]/;

function pythonString(token: string): string {
  if (!token.includes('\\')) {
    // No escapes: only the characters outside printable ASCII change.
    return token.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  const value = JSON.parse(token) as string;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    const code = value.charCodeAt(i);
    if (SHORT_ESCAPES[c] !== undefined) out += SHORT_ESCAPES[c];
    else if (code >= 0x20 && code <= 0x7e) out += c;
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** True when the quote at `at` is escaped (an odd run of backslashes before it). */
function escaped(text: string, at: number): boolean {
  let n = 0;
  while (text.charCodeAt(at - 1 - n) === 0x5c) n++;
  return n % 2 === 1;
}

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/**
 * The compact, ASCII-escaped Python rendering of `text`, which must be valid JSON (the caller has parsed it
 * already): one flat pass that copies the unchanged stretches and rewrites only whitespace, strings that
 * Python escapes and numbers, so deep nesting costs no stack.
 */
export function pythonCompactJson(text: string): string {
  let out = '';
  let from = 0; // start of the stretch not yet copied
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end === -1) break; // not JSON: the caller parsed it first, so this is only a guard
      const token = text.slice(i, end + 1);
      if (REWRITE_STRING.test(token)) {
        out += text.slice(from, i) + pythonString(token);
        from = end + 1;
      }
      i = end + 1;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      out += text.slice(from, i);
      while (i < n && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x0a || text.charCodeAt(i) === 0x0d || text.charCodeAt(i) === 0x09)) i++;
      from = i;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < n && isNumberChar(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      const python = pythonNumber(token);
      if (python !== token) {
        out += text.slice(from, i) + python;
        from = end;
      }
      i = end;
    } else {
      i++; // { } [ ] , : and the letters of true, false, null
    }
  }
  return out + text.slice(from);
}
