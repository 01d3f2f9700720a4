import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { userInputsOf } from '../../src/actions/userInputs.js';
import { isCodedError } from '../../src/errors.js';

const WHERE = 'handler handlers/x.ts';
const one = (schema: z.ZodType) => userInputsOf(z.object({ v: schema }), WHERE).properties.v;

describe('zod input schema → Port userInputs', () => {
  it.each<[string, z.ZodType, Record<string, unknown>]>([
    ['z.string()', z.string(), { type: 'string' }],
    ['min/max length and a regex', z.string().min(2).max(40).regex(/^[a-z]+$/), { type: 'string', minLength: 2, maxLength: 40, pattern: '^[a-z]+$' }],
    ['title and description from .meta / .describe', z.string().meta({ title: 'Name' }).describe('The name'), { type: 'string', title: 'Name', description: 'The name' }],
    ['z.email() (zod pattern dropped, Port checks the format)', z.email(), { type: 'string', format: 'email' }],
    ['z.url()', z.url(), { type: 'string', format: 'url' }],
    ['z.iso.datetime()', z.iso.datetime(), { type: 'string', format: 'date-time' }],
    ['z.ipv4() / z.ipv6()', z.ipv6(), { type: 'string', format: 'ipv6' }],
    ['an entity input', z.string().meta({ format: 'entity', blueprint: 'service' }), { type: 'string', format: 'entity', blueprint: 'service' }],
    ['an entity input schema as the entity object', z.object({ identifier: z.string() }).meta({ format: 'entity', blueprint: 'service' }), { type: 'string', format: 'entity', blueprint: 'service' }],
    ['user, team, multi-line, markdown formats', z.string().meta({ format: 'multi-line' }), { type: 'string', format: 'multi-line' }],
    ['a secret input', z.string().meta({ encryption: 'aes256-gcm' }), { type: 'string', encryption: 'aes256-gcm' }],
    ['z.enum with titles', z.enum(['eu', 'us']).meta({ enumTitles: { eu: 'Europe' } }), { type: 'string', enum: ['eu', 'us'], enumTitles: { eu: 'Europe' } }],
    ['z.literal', z.literal('prod'), { type: 'string', enum: ['prod'] }],
    ['z.number() with bounds', z.number().min(0).max(10), { type: 'number', minimum: 0, maximum: 10 }],
    ['an integer is a number (no safe-integer bounds)', z.number().int(), { type: 'number' }],
    ['a positive integer', z.int().positive(), { type: 'number', minimum: 1 }],
    ['z.boolean() with a default', z.boolean().default(false), { type: 'boolean', default: false }],
    ['an array of emails', z.array(z.email()).min(1).max(5), { type: 'array', minItems: 1, maxItems: 5, items: { type: 'string', format: 'email' } }],
    ['an array of entities', z.array(z.string().meta({ format: 'entity', blueprint: 'team' })), { type: 'array', items: { type: 'string', format: 'entity', blueprint: 'team' } }],
    ['an object (a JSON input; zod checks its shape at run time)', z.object({ a: z.string() }), { type: 'object' }],
    ['a transform maps to its input type', z.string().transform((s) => s.length), { type: 'string' }],
    ['a refinement maps to its input type', z.string().refine((s) => s !== 'x'), { type: 'string' }],
    ['z.coerce.number()', z.coerce.number(), { type: 'number' }],
  ])('when the input is %s, then the Port input is exact', (_what, schema, expected) => {
    expect(one(schema)).toEqual(expected);
  });

  it('when keys are optional or defaulted, then required lists the others and order follows the keys', () => {
    const inputs = userInputsOf(z.object({ b: z.string(), a: z.string().optional(), c: z.number().default(1), d: z.boolean() }), WHERE);
    expect(inputs.required).toEqual(['b', 'd']);
    expect(inputs.order).toEqual(['b', 'a', 'c', 'd']);
  });

  it('when the handler has no input schema, then the inputs are empty', () => {
    expect(userInputsOf(undefined, WHERE)).toEqual({ properties: {}, required: [], order: [] });
  });

  it.each<[string, z.ZodType, string]>([
    ['a Date', z.date(), "input 'v': no JSON type"],
    ['z.any()', z.any(), "input 'v': no JSON type"],
    ['a union', z.union([z.string(), z.number()]), "input 'v': a union type (string | number)"],
    ['a nullable', z.string().nullable(), "input 'v': a union type (string | null); make it one type, and use .optional() instead of .nullable()"],
    ['a discriminated union', z.discriminatedUnion('k', [z.object({ k: z.literal('a') }), z.object({ k: z.literal('b') })]), "input 'v': a union (z.union / z.discriminatedUnion)"],
    ['a format Port lacks', z.uuid(), `input 'v': the format "uuid" has no Port equivalent`],
    ['an entity input without blueprint', z.string().meta({ format: 'entity' }), `input 'v': format "entity" needs a "blueprint"`],
    ['a blueprint without the entity format', z.string().meta({ blueprint: 'service' }), `input 'v': "blueprint" goes with format "entity"`],
    ['a format on a number', z.number().meta({ format: 'user' }), `input 'v': format "user" needs a string input`],
    ['an exclusive bound on a fraction', z.number().positive(), "input 'v': an exclusive bound"],
    ['multipleOf', z.number().multipleOf(5), `input 'v': "multipleOf" cannot be expressed in a Port number input`],
    ['a tuple', z.tuple([z.string(), z.number()]), "input 'v': a tuple"],
    ['an array of unions', z.array(z.union([z.string(), z.number()])), "input 'v': its items: a union type"],
    ['enum titles for values not in the enum', z.enum(['a']).meta({ enumTitles: { b: 'B' } }), "input 'v': enumTitles names values that are not in the enum: b"],
  ])('when the input is %s, then the error names the handler and the input', (_what, schema, message) => {
    let thrown: unknown;
    try {
      one(schema);
    } catch (err) {
      thrown = err;
    }
    expect(isCodedError(thrown, 'invalid_action_definition')).toBe(true);
    expect((thrown as Error).message).toContain(`${WHERE}: ${message}`);
  });

  it('when an input name has characters Port refuses, then the error names it', () => {
    expect(() => userInputsOf(z.object({ 'my name': z.string() }), WHERE)).toThrow(`${WHERE}: input 'my name': Port input names use only letters, digits, @, _, = and -`);
  });

  it('when the schema is not an object, then the error says inputs must be z.object', () => {
    expect(() => userInputsOf(z.string(), WHERE)).toThrow(`${WHERE}: "inputs" must be a z.object({...})`);
  });
});
