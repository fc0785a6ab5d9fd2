import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import { CreateBookRequestSchema, DurationSchema } from '../../src/contract/book.js';
import { DELIVERY_ID } from '../../src/contract/deliveries.js';
import { StatementFieldsSchema } from '../../src/contract/statement-fields.js';
import { CreateEndpointRequestSchema } from '../../src/contract/endpoints.js';
import { secretRefusal } from '../../src/contract/endpoint-settings.js';

/**
 * The OpenAPI document states the constraints the zod contracts enforce beyond what zod-openapi renders (refines,
 * trims, transforms): each documented pattern here must accept exactly what the contract accepts, so generated
 * clients and fuzzers neither send what is refused nor miss what is taken.
 */

const document = openApiDocument() as any;
const bodyOf = (path: string, method = 'post') =>
  document.paths[path][method].requestBody.content['application/json'].schema;
const matches = (pattern: string, value: string) => new RegExp(pattern, 'u').test(value);
const accepts = (schema: { safeParse: (v: unknown) => { success: boolean } }, value: unknown) =>
  schema.safeParse(value).success;

describe('the documented constraints are the enforced ones', () => {
  it('seal_after: a duration from 1s to 90d', () => {
    const pattern = bodyOf('/v1/books').properties.seal_after.pattern as string;
    const edges = ['0s', '1s', '000001s', '999999s', '1000000s', '129600m', '129601m', '2160h', '2161h', '90d', '91d'];
    const durations = fc.oneof(
      fc.constantFrom(...edges, '00090d', '0000000', 's', '1ms', ' 1s'),
      fc.tuple(fc.stringMatching(/^\d{1,7}$/), fc.constantFrom('s', 'm', 'h', 'd', 'w')).map(([n, u]) => n + u),
    );
    fc.assert(
      fc.property(durations, (value) => {
        expect(matches(pattern, value), value).toBe(accepts(DurationSchema, value));
      }),
      { numRuns: 5000 },
    );
  });

  it('names, reasons and account ids: not blank once trimmed', () => {
    const name = bodyOf('/v1/books').properties.name;
    for (const value of ['', ' ', '\t\n', '\u00a0', ' a ', 'x']) {
      const documented = matches(name.pattern as string, value) && value.length >= name.minLength;
      expect(documented, JSON.stringify(value)).toBe(accepts(CreateBookRequestSchema, { name: value }));
    }
    const fields = bodyOf('/v1/books/{book_uuid}/documents/{doc_uuid}/verification').properties.fields;
    expect(fields.properties.account_id.pattern).toBe('\\S');
  });

  it('money: a decimal string or integer cents, not negative where it must not be', () => {
    const fields = bodyOf('/v1/books/{book_uuid}/documents/{doc_uuid}/verification').properties.fields.properties;
    const amounts = fc.oneof(
      fc.stringMatching(/^-?\d{1,14}(\.\d{1,3})?$/),
      fc.constantFrom('-0', '-0.00', '1e3', '12.5', ' 1', ''),
      fc.integer({ min: -1e6, max: 1e6 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const documented = (schema: any, value: string | number) =>
      schema.anyOf.some((option: any) =>
        option.type === 'string'
          ? typeof value === 'string' && matches(option.pattern as string, value)
          : Number.isInteger(value) && (value as number) >= option.minimum && (value as number) <= option.maximum,
      );
    fc.assert(
      fc.property(amounts, fc.constantFrom('starting_balance', 'total_deposits'), (value, field) => {
        const enforced = accepts((StatementFieldsSchema.shape as any)[field], value);
        expect(documented(fields[field], value), `${field} ${JSON.stringify(value)}`).toBe(enforced);
      }),
      { numRuns: 3000 },
    );
  });

  it('standard secrets: whsec_ and the base64 of 24 to 64 bytes', () => {
    const pattern = bodyOf('/v1/endpoints').else.properties.secret.pattern as string;
    const secrets = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 80 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
      fc.uint8Array({ minLength: 20, maxLength: 70 }).map((b) => `whsec_${Buffer.from(b).toString('base64url')}`),
      fc.string({ minLength: 16, maxLength: 40 }),
    );
    fc.assert(
      fc.property(secrets, (secret) => {
        expect(matches(pattern, secret), secret).toBe(secretRefusal('standard', secret) === undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('endpoints: exactly one of url or email, events not repeated, descriptions not blank', () => {
    const schema = bodyOf('/v1/endpoints');
    expect(schema.oneOf).toEqual([{ required: ['url'] }, { required: ['email'] }]);
    expect(schema.properties.events.uniqueItems).toBe(true);
    expect(bodyOf('/v1/endpoints/{id}', 'patch').minProperties).toBe(1);
    const url = schema.properties.url.pattern as string;
    for (const value of ['https://crm.example/hook', 'HTTP://crm.example', 'https://u:p@crm.example/', 'ftp://x']) {
      const body = { url: value, events: ['BOOK_COMPLETE'] };
      expect(matches(url, value), value).toBe(accepts(CreateEndpointRequestSchema, body));
    }
    const description = schema.properties.description.pattern as string;
    for (const value of ['abc', ' ab ', 'a b', '   x   ']) {
      const body = { url: 'https://crm.example/hook', events: ['BOOK_COMPLETE'], description: value };
      expect(matches(description, value), value).toBe(accepts(CreateEndpointRequestSchema, body));
    }
  });

  it('delivery ids: an event id, a dot, an endpoint UUID', () => {
    const pattern = document.paths['/v1/deliveries/{id}/retry'].post.parameters[0].schema.pattern as string;
    expect(pattern).toBe(DELIVERY_ID.source);
    const endpoint = '6f1c2a9e-8d2b-4c1e-9b7a-3f5d4e6a7b8c';
    expect(matches(pattern, `evt_bc_0123abcd_ff.${endpoint}`)).toBe(true);
    expect(matches(pattern, `evt_bc_01.${endpoint}x`)).toBe(false);
    expect(matches(pattern, `evt_BC_01.${endpoint}`)).toBe(false);
  });

  it('recover: a time in years 1 to 9999', () => {
    const since = document.components.schemas.RecoverRequest.properties.since.pattern as string;
    expect(matches(since, '2026-01-31T10:00:00Z')).toBe(true);
    expect(matches(since, '0000-01-31T10:00:00Z')).toBe(false);
  });
});
