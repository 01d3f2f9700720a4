// The ingress's small helpers on their own.
import { describe, expect, it } from '@jest/globals';
import type { Request } from 'express';
import { singleHeader } from '../../src/ingress/headers.js';
import { parseJsonBody } from '../../src/ingress/parseJson.js';
import { bodyReadError, readRawBody } from '../../src/ingress/rawBody.js';
import { requestIdFrom } from '../../src/ingress/requestId.js';

const fakeReq = (body: unknown, headers: Record<string, string> = {}) => ({ body, headers }) as unknown as Request;

describe('singleHeader', () => {
  it('when the header appears once in any case, then its value is returned', () => {
    expect(singleHeader(['Host', 'x', 'X-Port-Timestamp', '17'], 'x-port-timestamp')).toBe('17');
  });

  it('when the header appears twice, then every value is returned as an array', () => {
    expect(singleHeader(['x-port-signature', 'v1,a', 'X-PORT-SIGNATURE', 'v1,b'], 'x-port-signature')).toEqual(['v1,a', 'v1,b']);
  });

  it('when the header is absent, then undefined', () => {
    expect(singleHeader(['Host', 'x'], 'x-port-signature')).toBeUndefined();
  });
});

describe('requestIdFrom', () => {
  it('when the header is sane, then it is kept', () => {
    expect(requestIdFrom('abc-123_X.y:z@w')).toBe('abc-123_X.y:z@w');
  });

  it.each([['with space'], ['x'.repeat(129)], [''], ['<script>']])('when the header is %j, then a UUID replaces it', (bad) => {
    expect(requestIdFrom(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('when the header is repeated, then a UUID replaces it', () => {
    expect(requestIdFrom(['a', 'b'])).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('readRawBody', () => {
  it('when the body is a Buffer, then it is returned as is', () => {
    const buf = Buffer.from('{}');
    expect(readRawBody(fakeReq(buf))).toBe(buf);
  });

  it('when the body is an object or a string (parsed elsewhere), then body_already_parsed', () => {
    expect(() => readRawBody(fakeReq({ a: 1 }))).toThrow(expect.objectContaining({ code: 'body_already_parsed' }));
    expect(() => readRawBody(fakeReq('{"a":1}'))).toThrow(expect.objectContaining({ code: 'body_already_parsed' }));
  });

  it('when no body was read but the request announced one, then another middleware consumed it: body_already_parsed', () => {
    expect(() => readRawBody(fakeReq(undefined, { 'content-length': '12' }))).toThrow(expect.objectContaining({ code: 'body_already_parsed' }));
  });

  it('when the request has no body at all, then an empty buffer', () => {
    expect(readRawBody(fakeReq(undefined)).length).toBe(0);
  });
});

describe('bodyReadError', () => {
  it('when body-parser says entity.too.large, then payload_too_large', () => {
    expect(bodyReadError(Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 }))).toMatchObject({ code: 'payload_too_large' });
  });

  it('when body-parser says stream.not.readable, then body_already_parsed', () => {
    expect(bodyReadError(Object.assign(new Error('x'), { type: 'stream.not.readable', status: 500 }))).toMatchObject({ code: 'body_already_parsed' });
  });

  it('when body-parser reports another client-side read error, then invalid_body', () => {
    expect(bodyReadError(Object.assign(new Error('aborted'), { type: 'request.aborted', status: 400 }))).toMatchObject({ code: 'invalid_body' });
  });

  it('when the error is not a body read error, then undefined', () => {
    expect(bodyReadError(new Error('other'))).toBeUndefined();
  });
});

describe('parseJsonBody', () => {
  it('when the bytes are JSON, then the value', () => {
    expect(parseJsonBody(Buffer.from('[1,"é"]'))).toEqual({ value: [1, 'é'], text: '[1,"é"]' });
  });

  it('when the bytes are not JSON, then invalid_json', () => {
    expect(() => parseJsonBody(Buffer.from('{'))).toThrow(expect.objectContaining({ code: 'invalid_json' }));
  });
});
