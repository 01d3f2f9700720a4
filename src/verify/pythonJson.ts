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

function pythonString(token: string): string {
  // Printable ASCII without escapes is already what Python writes.
  if (!/[^\x20-\x7e]|\\/.test(token)) return token;
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

const NUMBER_CHARS = new Set('0123456789.eE+-');

/** True when the quote at `at` is escaped (an odd run of backslashes before it). */
function escaped(text: string, at: number): boolean {
  let n = 0;
  while (text.charCodeAt(at - 1 - n) === 0x5c) n++;
  return n % 2 === 1;
}

/**
 * The compact, ASCII-escaped Python rendering of `text`, which must be valid JSON (the caller has parsed it
 * already): a flat pass over the tokens, so deep nesting costs no stack.
 */
export function pythonCompactJson(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let end = text.indexOf('"', i + 1);
      while (escaped(text, end)) end = text.indexOf('"', end + 1);
      out.push(pythonString(text.slice(i, end + 1)));
      i = end + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHARS.has(text[end])) end++;
      out.push(pythonNumber(text.slice(i, end)));
      i = end;
    } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
      i++;
    } else if (c === 't' || c === 'n') {
      out.push(c === 't' ? 'true' : 'null');
      i += 4;
    } else if (c === 'f') {
      out.push('false');
      i += 5;
    } else {
      out.push(c); // { } [ ] , :
      i++;
    }
  }
  return out.join('');
}
