import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { signPortWebhook } from '../../src/verify/sign.js';
import { escapeNonAscii, parseSignatureHeader, verifyPortSignature } from '../../src/verify/signature.js';

interface Vector {
  name: string;
  secret: string;
  'x-port-timestamp': string;
  body: string;
  'x-port-signature': string;
}
const vectors = (
  JSON.parse(readFileSync(new URL('../fixtures/port-webhook-signature-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }
).vectors;
const agentFixture = JSON.parse(
  readFileSync(new URL('../fixtures/peer-port-agent-kafka-run-message-signed.json', import.meta.url), 'utf8'),
) as { _meta: { signature_vector: { secret: string; timestamp: string; signed_content: string; expected_signature: string } } };

const byName = (prefix: string): Vector => {
  const v = vectors.find((x) => x.name.startsWith(prefix));
  if (!v) throw new Error(`no vector ${prefix}`);
  return v;
};

/** Python's json.dumps defaults (", " and ": " separators, ASCII-escaped), as requests puts it on the wire. */
function pythonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${escapeNonAscii(JSON.stringify(k))}: ${pythonDumps(v)}`)
      .join(', ')}}`;
  }
  return escapeNonAscii(JSON.stringify(value));
}

const check = (header: string | string[] | undefined, body: string, secrets: string[] = ['test-secret'], timestamp = '1700000000') =>
  () => verifyPortSignature({ header, timestamp, rawBody: Buffer.from(body, 'utf8'), secrets }).form;

describe('verifyPortSignature known answers', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('when the vector "%s" is sent as its exact bytes, then it verifies as raw', (_n, v) => {
    expect(verifyPortSignature({ header: v['x-port-signature'], timestamp: v['x-port-timestamp'], rawBody: Buffer.from(v.body, 'utf8'), secrets: [v.secret] }).form).toBe('raw');
  });

  it('when port-agent sends spaced JSON signed over the compact ASCII-escaped form, then it verifies', () => {
    const sv = agentFixture._meta.signature_vector;
    const wire = pythonDumps(JSON.parse(sv.signed_content));
    expect(wire).not.toBe(sv.signed_content);
    expect(verifyPortSignature({ header: sv.expected_signature, timestamp: sv.timestamp, rawBody: Buffer.from(wire), secrets: [sv.secret] }).form).toBe('compact');
  });

  it('when a spaced body was signed over its compact form, then it verifies as compact', () => {
    const minimal = byName('minimal');
    expect(check(minimal['x-port-signature'], '{ "a" : 1 }\n')()).toBe('compact');
  });

  it('when café arrives spaced and escaped but was signed escaped-compact, then only the escaped form matches', () => {
    const escaped = byName('non-ascii-escaped');
    expect(check(escaped['x-port-signature'], '{"name": "caf\\u00e9"}')()).toBe('ascii_escaped');
  });

  it('when café arrives spaced but was signed compact raw UTF-8, then it verifies as compact', () => {
    const utf8 = byName('non-ascii-raw-utf8');
    expect(check(utf8['x-port-signature'], '{"name": "café"}')()).toBe('compact');
  });

  it('when the escaped body bytes carry the raw UTF-8 signature, then it verifies as compact', () => {
    expect(check(byName('non-ascii-raw-utf8')['x-port-signature'], '{"name":"caf\\u00e9"}')()).toBe('compact');
  });

  it('when the raw UTF-8 body bytes carry the escaped signature, then it verifies as ascii_escaped', () => {
    expect(check(byName('non-ascii-escaped')['x-port-signature'], '{"name":"café"}')()).toBe('ascii_escaped');
  });

  it('when the café signature is presented for a different value, then no form matches: invalid_signature', () => {
    expect(check(byName('non-ascii-raw-utf8')['x-port-signature'], '{"name": "cafe"}')).toThrow(
      expect.objectContaining({ code: 'invalid_signature' }),
    );
  });

  it('when the spaced-body signature is presented for the compact body, then it is invalid_signature', () => {
    expect(check(byName('spaced-body')['x-port-signature'], '{"a":1}')).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });
});

// port-agent's own signing, generated with python3 by scripts/python-json-vectors.py.
const python = JSON.parse(readFileSync(new URL('../fixtures/python-json-dumps-vectors.json', import.meta.url), 'utf8')) as {
  _meta: { secret: string; 'x-port-timestamp': string };
  vectors: Array<{ name: string; wire: string; signed: string; 'x-port-signature': string }>;
};

describe('verifyPortSignature with port-agent (Python) relays', () => {
  it.each(python.vectors.map((v) => [v.name, v] as const))(
    'when port-agent sends json.dumps of "%s" signed over its compact form, then it verifies',
    (_n, v) => {
      const expected = JSON.stringify(JSON.parse(v.wire)) === v.signed ? 'compact' : 'ascii_escaped';
      const verified = verifyPortSignature({ header: v['x-port-signature'], timestamp: python._meta['x-port-timestamp'], rawBody: Buffer.from(v.wire), secrets: [python._meta.secret] });
      expect(verified).toEqual({ form: expected, parsed: { value: JSON.parse(v.wire), text: v.wire } });
    },
  );

  it('when an input holds 1e-07 (JavaScript writes 1e-7), then only the Python form matches', () => {
    const v = python.vectors.find((x) => x.name === 'small floats')!;
    expect(JSON.stringify(JSON.parse(v.wire))).not.toBe(v.signed);
    expect(check(v['x-port-signature'], v.wire, [python._meta.secret])()).toBe('ascii_escaped');
  });
});

describe('verifyPortSignature on forged deliveries', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });
  const forged = JSON.stringify({ runId: 'r_forged', pad: 'x'.repeat(1000) }, null, 1);
  const wrongMac = signPortWebhook('not-the-secret', '1700000000', forged);

  it('when no v1 entry is shaped like a SHA-256 MAC, then invalid_signature without parsing the body', () => {
    const parse = jest.spyOn(JSON, 'parse');
    expect(check('v1,short v1,' + 'A'.repeat(60), forged)).toThrow(expect.objectContaining({ code: 'invalid_signature', message: expect.stringContaining('44 base64') }));
    expect(parse).not.toHaveBeenCalled();
  });

  it('when the body does not start like JSON, then invalid_signature without parsing it', () => {
    const parse = jest.spyOn(JSON, 'parse');
    expect(check(wrongMac, `x${forged}`)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
    expect(parse).not.toHaveBeenCalled();
  });

  it('when a JSON body carries a wrong MAC for three secrets, then it is parsed once and refused', () => {
    const parse = jest.spyOn(JSON, 'parse');
    expect(check(wrongMac, forged, ['a-secret', 'b-secret', 'c-secret'])).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
    expect(parse).toHaveBeenCalledTimes(1);
  });
});

describe('verifyPortSignature header handling', () => {
  const minimal = byName('minimal');
  const good = minimal['x-port-signature'];
  const decoy = byName('secret-changed')['x-port-signature'];

  it('when the right signature is among decoys and other versions, then it verifies', () => {
    expect(check(`v2,abc ${decoy}\t${good}  v0,xyz`, minimal.body)()).toBe('raw');
  });

  it('when the signature was made with a rotation secret, then it verifies against the secret list', () => {
    expect(check(decoy, minimal.body, ['test-secret', 'other-secret'])()).toBe('raw');
  });

  it('when the secret is not in the list, then it is invalid_signature with a hint naming the variables', () => {
    expect(check(decoy, minimal.body, ['test-secret'])).toThrow(
      expect.objectContaining({ code: 'invalid_signature', message: expect.stringMatching(/PORT_CLIENT_SECRET.*PORT_WEBHOOK_SECRETS.*proxy/) }),
    );
  });

  it('when one byte of the body is flipped, then it is invalid_signature', () => {
    expect(check(good, '{"a":2}')).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when one character of the signature is flipped, then it is invalid_signature', () => {
    const flipped = good.slice(0, 10) + (good[10] === 'A' ? 'B' : 'A') + good.slice(11);
    expect(check(flipped, minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the signature is truncated, then it is invalid_signature', () => {
    expect(check(good.slice(0, -2), minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the signature has trailing junk after the base64, then it is invalid_signature', () => {
    expect(check(`${good}!!`, minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the header is "v1," only, then it is invalid_signature', () => {
    expect(check('v1,', minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the header carries only another version, then it is invalid_signature', () => {
    expect(check(good.replace('v1,', 'v2,'), minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the header has no version prefix, then it is invalid_signature', () => {
    expect(check(good.slice(3), minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the header is absent or blank, then it is missing_signature', () => {
    expect(check(undefined, minimal.body)).toThrow(expect.objectContaining({ code: 'missing_signature' }));
    expect(check('  ', minimal.body)).toThrow(expect.objectContaining({ code: 'missing_signature' }));
  });

  it('when the header was sent twice, then it is invalid_signature even if one copy is right', () => {
    expect(check([good, good], minimal.body)).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when the timestamp differs from the signed one, then it is invalid_signature', () => {
    expect(check(good, minimal.body, ['test-secret'], '1700000001')).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when no secret is configured, then it is invalid_signature naming PORT_CLIENT_SECRET', () => {
    expect(check(good, minimal.body, [])).toThrow(expect.objectContaining({ code: 'invalid_signature', message: expect.stringContaining('PORT_CLIENT_SECRET') }));
  });

  it('when the body is not JSON and the raw signature fails, then it is invalid_signature (not a JSON error)', () => {
    expect(check(good, '{"a":1')).toThrow(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('when a non-JSON body is signed raw, then it verifies (the JSON guard comes later)', () => {
    expect(check(signPortWebhook('test-secret', '1700000000', 'not json'), 'not json')()).toBe('raw');
  });
});

describe('parseSignatureHeader', () => {
  it('when several entries are given, then only the v1 ones are kept, in order', () => {
    expect(parseSignatureHeader('v1,AAA v2,BBB v1,CCC').map((b) => b.toString())).toEqual(['AAA', 'CCC']);
  });
});

describe('escapeNonAscii', () => {
  it('when the text has non-ASCII and astral characters, then each UTF-16 unit becomes lowercase \\uXXXX', () => {
    expect(escapeNonAscii('{"n":"café ☃ 😀"}')).toBe('{"n":"caf\\u00e9 \\u2603 \\ud83d\\ude00"}');
  });
});
