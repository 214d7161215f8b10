/**
 * The OpenAPI document's examples: every JSON request body and every JSON answer has one, and each
 * is valid under the schema it illustrates (with JSON Schema's own validator, not the server's
 * code), so an integrator copying an example sends what the server takes.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleOf, NoExampleError } from '../../gateway/src/openapi-examples.js';
import * as examples from '../../gateway/src/routes/examples.js';
import { openFixture, type Fixture } from './fixture.js';

interface Media {
  schema?: Record<string, unknown>;
  example?: unknown;
}
interface Operation {
  requestBody?: { content?: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}

// ajv-formats is CommonJS: its default export is the module object under Node's ESM loader.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json$/;

describe('OpenAPI examples', () => {
  let f: Fixture;
  let operations: [string, Operation][];
  beforeAll(async () => {
    f = await openFixture();
    const doc = (await f.app.inject('/docs/json')).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        op,
      ]),
    );
  }, 120_000);
  afterAll(() => f.close());

  /** Every JSON request body and success answer of the document, with where it is. */
  const illustrated = () =>
    operations.flatMap(([name, op]) => [
      ...Object.entries(op.requestBody?.content ?? {}).map(
        ([type, media]) => [`${name} request ${type}`, media] as const,
      ),
      ...Object.entries(op.responses)
        .filter(([status]) => status.startsWith('2'))
        .flatMap(([status, r]) =>
          Object.entries(r.content ?? {}).map(
            ([type, media]) => [`${name} ${status} ${type}`, media] as const,
          ),
        ),
    ]);

  it('gives every JSON request body and success answer an example its schema accepts', () => {
    // OpenAPI 3.0 keywords that JSON Schema does not know are annotations here.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addKeyword('example');
    const json = illustrated().filter(([where]) => JSON_MEDIA.test(where.split(' ').at(-1)!));
    expect(json.length).toBeGreaterThan(90);
    const wrong: string[] = [];
    for (const [where, media] of json) {
      if (media.example === undefined) {
        wrong.push(`${where}: no example`);
        continue;
      }
      const validate = ajv.compile(media.schema ?? {});
      if (!validate(media.example)) wrong.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives every text answer (CSV, JSON Lines, metrics) an example, a file as anchored none', () => {
    const text = illustrated().filter(([where]) => !JSON_MEDIA.test(where.split(' ').at(-1)!));
    const files = ['application/octet-stream', '*/*'];
    const lacking = text
      .filter(
        ([where, media]) =>
          !files.includes(where.split(' ').at(-1)!) && typeof media.example !== 'string',
      )
      .map(([where]) => where);
    expect(lacking).toEqual([]);
    const csv = text.find(([where]) => where.startsWith('GET /api/v1/audit/usage.csv'))?.[1];
    // The export's own code wrote it: its header row and one use.
    expect(String(csv?.example).split('\r\n')[0]).toMatch(/^at,id,outcome,action,catalogId,/);
    expect(String(csv?.example)).toContain('USE-9d41c7e2a05b38f6');
  });

  it('shows the entities as the ledger holds them, not made-up strings', () => {
    const get = (name: string) =>
      operations.find(([n]) => n === name)?.[1].responses['200']?.content?.['application/json']
        ?.example as Record<string, unknown> | undefined;
    const entry = get('GET /api/v1/catalog/{id}');
    expect(entry).toMatchObject({ id: 'PSB-POP-001', name: '人口基本信息', owner: 'psb' });
    const request = get('GET /api/v1/requests/{id}');
    expect(request).toMatchObject({ catalogId: 'PSB-POP-001', purpose: 'administrative_basis' });
  });

  it("signs the subject's examples for real: each signature verifies with the bound key", () => {
    const key = createPublicKey({
      key: Buffer.from(examples.subjectBinding.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    const signed = [examples.signedAuthorisation, examples.signedRevocation, examples.signedTrail];
    for (const { payload, signature } of signed) {
      const valid = (p: unknown) =>
        verify(
          'sha256',
          canonicalBytes(p),
          { key, dsaEncoding: 'ieee-p1363' },
          Buffer.from(signature, 'base64'),
        );
      expect(valid(payload), payload.statement).toBe(true);
      expect(valid({ ...payload, subject: '0'.repeat(64) }), payload.statement).toBe(false);
    }
    const id = createHash('sha256').update(canonicalBytes(examples.signedAuthorisation.payload));
    expect(examples.authorisation.id).toBe(`AUTH-${id.digest('hex')}`);
    expect(examples.signedRevocation.payload.authorisationId).toBe(examples.authorisation.id);
    expect(examples.subjectBinding.keyId).toBe(
      createHash('sha256')
        .update(key.export({ format: 'der', type: 'spki' }))
        .digest('hex'),
    );
  });

  it("signs the enterprise's delegation examples for real, with the legal representative's key", () => {
    const keyOf = (spki: string) =>
      createPublicKey({ key: Buffer.from(spki, 'base64'), format: 'der', type: 'spki' });
    const idOf = (key: ReturnType<typeof keyOf>) =>
      createHash('sha256')
        .update(key.export({ format: 'der', type: 'spki' }))
        .digest('hex');
    const legalRep = keyOf(examples.enterpriseBinding.publicKey);
    expect(idOf(legalRep)).toBe(examples.enterpriseBinding.keyId);
    expect(examples.delegation.keyId).toBe(examples.enterpriseBinding.keyId);
    const signed = [examples.signedDelegation, examples.signedDelegationRevocation];
    for (const { payload, signature } of signed) {
      const valid = verify(
        'sha256',
        canonicalBytes(payload),
        { key: legalRep, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64'),
      );
      expect(valid, payload.statement).toBe(true);
      expect(payload.subject).toBe(examples.enterpriseBinding.subject);
    }
    const terms = examples.signedDelegation.payload;
    const id = createHash('sha256').update(canonicalBytes(terms)).digest('hex');
    expect(examples.delegation.id).toBe(`DLG-${id}`);
    expect(examples.signedDelegationRevocation.payload.delegationId).toBe(examples.delegation.id);
    expect(examples.delegation.agentKeyId).toBe(idOf(keyOf(terms.agentKey)));
  });

  it('refuses to make up a string its pattern does not allow, naming where', () => {
    expect(() =>
      exampleOf({ type: 'object', properties: { x: { pattern: '^Q{3}$' } } }, 'answer'),
    ).toThrow(new NoExampleError('#/properties/x'));
    expect(
      exampleOf({ anyOf: [{ type: 'null' }, { type: 'integer', minimum: 3 }] }, 'answer'),
    ).toBe(3);
    expect(
      exampleOf(
        {
          type: 'object',
          required: ['a'],
          properties: { a: { type: 'boolean' }, b: { type: 'string' }, c: { example: 'z' } },
        },
        'request',
      ),
    ).toEqual({ a: false, c: 'z' });
  });
});
