import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { pythonCompactJson, pythonFloatRepr } from '../../src/verify/pythonJson.js';

// Generated with python3's json module by scripts/python-json-vectors.py (the test itself needs no Python).
const fixture = JSON.parse(readFileSync(new URL('../fixtures/python-json-dumps-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Array<{ name: string; wire: string; signed: string }>;
};

describe('pythonCompactJson against python3 json.dumps', () => {
  it.each(fixture.vectors.map((v) => [v.name, v] as const))('when the wire text is "%s", then the result is what Python signs', (_n, v) => {
    expect(pythonCompactJson(v.wire)).toBe(v.signed);
  });
});

describe('pythonFloatRepr', () => {
  it.each([
    [1e-7, '1e-07'],
    [1e-5, '1e-05'],
    [1e-4, '0.0001'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1, '1.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [1.5e-300, '1.5e-300'],
    [123.456, '123.456'],
    [Infinity, 'Infinity'],
  ])('when the float is %p, then Python renders it %s', (x, repr) => {
    expect(pythonFloatRepr(x)).toBe(repr);
  });
});

describe('pythonCompactJson on its own', () => {
  it('when strings hold escaped quotes and backslash runs, then each string ends at its real closing quote', () => {
    expect(pythonCompactJson('{"a": "x\\\\", "b": "say \\"hi\\"", "c": "\\\\\\""}')).toBe('{"a":"x\\\\","b":"say \\"hi\\"","c":"\\\\\\""}');
  });

  it('when arrays nest a hundred thousand deep, then it still answers (no recursion)', () => {
    const deep = `${'['.repeat(100_000)}1.0${']'.repeat(100_000)}`;
    expect(pythonCompactJson(deep)).toBe(deep);
  });
});
