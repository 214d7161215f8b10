/**
 * Data subjects (个人 / 企业) and their authorisations: binding a key at the counter, the
 * subject's signed authorisations and revocations, the subject's own trail, the audit filter by
 * authorisation, and record queries by subject (在线查询).
 *
 * Routes a subject calls from the digital safe are public: the subject has no token, their
 * signature (checked by the chaincode against the bound key) is the authority, and the gateway
 * carries it to the ledger as its own reader identity. The ID number never leaves this gateway:
 * it is pseudonymised here (services/subjects.ts).
 */
import { Readable } from 'node:stream';
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import {
  MAX_PAGE_SIZE,
  TX,
  type Authorisation as AuthorisationType,
  type CatalogEntry as CatalogEntryType,
  type DatasetVersion as DatasetVersionType,
  type Delegation as DelegationType,
  type Page as LedgerPage,
  type SubjectBinding as SubjectBindingType,
  type TransactionName,
  type UsageRecord as UsageRecordType,
} from '@shulian/chaincode/constants';
import { callerOf, principalOf, requireSomeRole } from '../auth/guard.js';
import { GatewayError } from '../errors.js';
import type { Caller } from '../ledger/types.js';
import type { GatewayContext } from '../services/runtime.js';
import { USAGE_CSV, usageCsv } from './audit.js';
import { LEDGER, READ, USE, WRITE } from '../operation-errors.js';
import { follow } from '../openapi.js';
import type { RouteApp, RouteOptions } from './context.js';
import {
  mediaResponses,
  recordedUse,
  responses,
  StreamBody,
  submitAs,
  written,
} from './helpers.js';
import {
  Authorisation,
  AuthorisationTerms,
  Base64,
  Delegation,
  DelegationRevocationTerms,
  DelegationTerms,
  Enums,
  Hex64,
  Id,
  Nullable,
  RevocationTerms,
  Signed,
  StringEnum,
  SubjectBinding,
  Text,
  TrailTerms,
  UsageRecord,
  Written,
} from './schemas.js';
import { SubjectTrail } from './shapes.js';
import * as examples from './examples.js';

/**
 * An ID number as typed: the check against the kind of subject is the gateway's (a 身份证号's
 * shape, a 统一社会信用代码's check character: USCC_INVALID), so any length up to 30 passes here.
 * The example is a person of the demo population.
 */
const IdNumber = (description: string) =>
  Type.String({
    pattern: '^\\s*[0-9A-Za-z]{1,30}\\s*$',
    maxLength: 32,
    description,
    examples: ['130682196001011000'],
  });
const FieldName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' });

const SignedAuthorisation = Signed(AuthorisationTerms, examples.signedAuthorisation);
const SignedRevocation = Signed(RevocationTerms, examples.signedRevocation);
const SignedTrail = Signed(TrailTerms, examples.signedTrail);
const SignedDelegation = Signed(DelegationTerms, examples.signedDelegation);
const SignedDelegationRevocation = Signed(
  DelegationRevocationTerms,
  examples.signedDelegationRevocation,
);

const SubjectRecordsAnswer = Type.Object({
  usage: UsageRecord,
  tx: Type.Object({ txId: Type.String(), blockNumber: Type.Integer() }),
  records: Type.Array(
    Type.Object({
      index: Type.Integer({ description: "the record's place in the version's record tree" }),
      record: Type.Record(Type.String(), Type.Unknown()),
      proof: Nullable(Type.Object({}, { additionalProperties: true })),
    }),
  ),
  proofs: StringEnum(['whole', 'selective'] as const, {
    description:
      'selective when the use was limited to some fields: the proofs open only those, the others are salted commitments',
  }),
});

const AuthorisationParams = Type.Object(
  { id: Id('authorisation id') },
  { additionalProperties: false },
);
const DelegationParams = Type.Object({ id: Id('delegation id') }, { additionalProperties: false });
const SubjectParams = Type.Object({ subject: Hex64 }, { additionalProperties: false });

/** Every page of a ledger list, in order. */
async function allPages<T>(
  ctx: GatewayContext,
  caller: Caller,
  fcn: TransactionName,
  args: string[],
): Promise<T[]> {
  const items: T[] = [];
  let bookmark = '';
  for (;;) {
    const page = await ctx.chaincode.evaluate<LedgerPage<T>>(caller, fcn, [
      ...args,
      String(MAX_PAGE_SIZE),
      bookmark,
    ]);
    items.push(...page.items);
    if (page.items.length < MAX_PAGE_SIZE || !page.bookmark) return items;
    bookmark = page.bookmark;
  }
}

/** What a statement an enterprise's agent signs under a delegation may also be refused with. */
const AGENT_REFUSALS = [
  'DELEGATION_NOT_FOUND',
  'DELEGATION_NOT_LIVE',
  'DELEGATION_OUT_OF_SCOPE',
] as const;
const tags = ['subjects'];

export const subjectRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  bindingRoutes(app, ctx);
  authorisationRoutes(app, ctx);
  delegationRoutes(app, ctx);
  trailRoutes(app, ctx);
  recordRoutes(app, ctx);
  done();
};

/** At the counter: a verifier binds a subject's key; anyone reads the current one. */
function bindingRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.post(
    '/bindings',
    {
      config: {
        links: follow(
          { subject: '$response.body#/data/subject' },
          'GET /api/v1/subjects/{subject}/binding',
          'POST /api/v1/subjects/{subject}/trail',
        ),
      },
      schema: {
        tags,
        summary:
          "bind a subject's public key after an identity check (verifier of a department that verifies that kind)",
        description:
          "A verifier of a department that verifies this kind of subject (public security for persons, market regulation for enterprises) binds the subject's P-256 public key after checking their identity. The ID number is pseudonymised in the gateway (keyed HMAC) and never reaches the ledger, which records the pseudonym and key.",
        body: Type.Object(
          {
            kind: Enums.subjectKind,
            identifier: IdNumber(
              '身份证号 / 统一社会信用代码; pseudonymised here, never sent to the ledger',
            ),
            publicKey: Base64(
              256,
              "P-256 SubjectPublicKeyInfo (DER), base64: the person's own, or the enterprise's legal representative's (法定代表人)",
            ),
            reason: Type.Optional(Text(2048, 1)),
          },
          { additionalProperties: false, examples: [examples.bindingInput] },
        ),
        response: responses(
          Written(SubjectBinding),
          // A key bound already, or a replacement without its reason (the chaincode's checks).
          [...WRITE, 'FORBIDDEN', 'USCC_INVALID', 'ALREADY_EXISTS', 'REASON_REQUIRED'],
          201,
        ),
      },
    },
    async (request, reply) => {
      const { kind, identifier, publicKey, reason } = request.body;
      const subject = ctx.subjects.pseudonym(kind, identifier);
      const answer = await submitAs<SubjectBindingType>(ctx, request, TX.consent.BindSubject, [
        { subject, kind, publicKey, reason: reason ?? null },
      ]);
      return reply.code(201).send(answer);
    },
  );

  app.get(
    '/:subject/binding',
    {
      config: { public: true },
      schema: {
        tags,
        summary: "a subject's current key (public: a pseudonym and a public key are not personal)",
        description:
          "The subject's current key binding (pseudonym, kind, public key, version). Public: the digital safe checks its key; neither value is personal. Records nothing.",
        params: SubjectParams,
        response: responses(SubjectBinding, [...LEDGER, 'SUBJECT_NOT_BOUND']),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<SubjectBindingType>(ctx.publicReader, TX.consent.GetSubjectBinding, [
        request.params.subject,
      ]),
  );
}

/** The subject's signed authorisations and revocations, and the audit filter by authorisation. */
function authorisationRoutes(app: RouteApp, ctx: GatewayContext): void {
  const relay = ctx.publicReader;

  app.post(
    '/authorisations',
    {
      config: {
        public: true,
        links: follow(
          { id: '$response.body#/data/id' },
          'GET /api/v1/subjects/authorisations/{id}',
          'GET /api/v1/subjects/authorisations/{id}/uses',
          'POST /api/v1/subjects/authorisations/{id}/revoke',
        ),
      },
      schema: {
        tags,
        summary: 'submit an authorisation the subject signed (the signature is the authority)',
        description:
          "Carries a subject's signed authorisation (consumer, entries and fields, purpose, matter, period, uses) to the ledger. No token: the signature, verified on chain against the bound key, is the authority. The ledger records the authorisation under the hash of its terms (a replay is refused).",
        body: SignedAuthorisation,
        response: responses(
          Written(Authorisation),
          [
            ...WRITE,
            'SUBJECT_NOT_BOUND',
            'SIGNATURE_INVALID',
            'AUTHORISATION_REPLAYED',
            'AUTHORISATION_EXPIRED',
            'CATALOG_NOT_FOUND',
            'FIELD_NOT_IN_CATALOG',
            ...AGENT_REFUSALS,
          ],
          201,
        ),
      },
    },
    async (request, reply) => {
      const s = await ctx.chaincode.submit<AuthorisationType>(
        relay,
        TX.consent.SubmitAuthorisation,
        [request.body],
      );
      return reply.code(201).send(await written(ctx, s));
    },
  );

  app.post(
    '/authorisations/:id/revoke',
    {
      config: { public: true },
      schema: {
        tags,
        summary: "revoke an authorisation with the subject's signed statement",
        description:
          "Carries the subject's signed revocation of one of their authorisations to the ledger, which verifies the signature and records the revocation; later uses under it are refused and recorded as DENIED.",
        params: AuthorisationParams,
        body: SignedRevocation,
        response: responses(Written(Authorisation), [
          ...WRITE,
          'SUBJECT_NOT_BOUND',
          'SIGNATURE_INVALID',
          'AUTHORISATION_NOT_FOUND',
          'AUTHORISATION_REVOKED',
          'AUTHORISATION_REPLAYED',
          'AUTHORISATION_SUBJECT_MISMATCH',
          'INVALID_STATE',
          ...AGENT_REFUSALS,
        ]),
      },
    },
    async (request) => {
      if (request.body.payload.authorisationId !== request.params.id) {
        throw new GatewayError('VALIDATION_FAILED', 'the statement revokes another authorisation');
      }
      const s = await ctx.chaincode.submit<AuthorisationType>(
        relay,
        TX.consent.RevokeAuthorisation,
        [request.body],
      );
      return written(ctx, s);
    },
  );

  app.get(
    '/authorisations/:id',
    {
      schema: {
        tags,
        summary: 'one authorisation (its consumer, its providers, supervisors, the coordinator)',
        description:
          'One authorisation with its terms, use count and revocation. Its consumer, its providers, supervisors and the coordinator; records nothing.',
        params: AuthorisationParams,
        response: responses(Authorisation, [...READ, 'AUTHORISATION_NOT_FOUND']),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<AuthorisationType>(callerOf(request), TX.consent.GetAuthorisation, [
        request.params.id,
      ]),
  );

  app.get(
    '/authorisations/:id/uses',
    {
      schema: {
        tags,
        summary: 'audit filter: every use judged against one authorisation, allowed and refused',
        description:
          'Every use judged against one authorisation, allowed and refused, from the ledger. Its consumer, its providers, supervisors and the coordinator; records nothing.',
        params: AuthorisationParams,
        response: responses(Type.Object({ items: Type.Array(UsageRecord) }), [
          ...READ,
          'AUTHORISATION_NOT_FOUND',
        ]),
      },
    },
    async (request) => {
      requireSomeRole(principalOf(request), "tracing an authorisation's uses");
      return {
        items: await allPages<UsageRecordType>(
          ctx,
          callerOf(request),
          TX.consent.ListUsesByAuthorisation,
          [request.params.id],
        ),
      };
    },
  );
}

/**
 * An enterprise's delegations to its agents (经办人): the legal representative's signed
 * delegation and revocation, carried like a subject's other statements (no token; the
 * signature, checked on chain against the enterprise's bound key, is the authority).
 */
function delegationRoutes(app: RouteApp, ctx: GatewayContext): void {
  const relay = ctx.publicReader;

  app.post(
    '/delegations',
    {
      config: {
        public: true,
        links: follow(
          { id: '$response.body#/data/id' },
          'GET /api/v1/subjects/delegations/{id}',
          'POST /api/v1/subjects/delegations/{id}/revoke',
        ),
      },
      schema: {
        tags,
        summary:
          "submit an enterprise's delegation to an agent (经办人), signed by its legal representative",
        description:
          "Carries a delegation the enterprise's legal representative (法定代表人) signed with the enterprise's bound key: the agent's own public key, what the agent may sign (authorisations, revocations, trail reads), for which catalog entries and until when. The agent then signs those statements naming the delegation, and the ledger checks each against it. No token: the signature is the authority. Stored under the hash of its terms (a replay is refused).",
        body: SignedDelegation,
        response: responses(
          Written(Delegation),
          [
            ...WRITE,
            'SUBJECT_NOT_BOUND',
            'SIGNATURE_INVALID',
            'DELEGATION_REPLAYED',
            'DELEGATION_NOT_LIVE',
            'CATALOG_NOT_FOUND',
          ],
          201,
        ),
      },
    },
    async (request, reply) => {
      const s = await ctx.chaincode.submit<DelegationType>(relay, TX.consent.SubmitDelegation, [
        request.body,
      ]);
      return reply.code(201).send(await written(ctx, s));
    },
  );

  app.post(
    '/delegations/:id/revoke',
    {
      config: { public: true },
      schema: {
        tags,
        summary: "revoke an agent's delegation with the legal representative's signed statement",
        description:
          "Carries the legal representative's signed revocation of a delegation to the ledger, which verifies it against the enterprise's bound key. Final: the agent can sign nothing more under it, and uses under the authorisations the agent signed under it are refused and recorded as DENIED (AUTHORISATION_DELEGATION_REVOKED).",
        params: DelegationParams,
        body: SignedDelegationRevocation,
        response: responses(Written(Delegation), [
          ...WRITE,
          'SUBJECT_NOT_BOUND',
          'SIGNATURE_INVALID',
          'DELEGATION_NOT_FOUND',
          'DELEGATION_OUT_OF_SCOPE',
          'INVALID_STATE',
        ]),
      },
    },
    async (request) => {
      if (request.body.payload.delegationId !== request.params.id) {
        throw new GatewayError('VALIDATION_FAILED', 'the statement revokes another delegation');
      }
      const s = await ctx.chaincode.submit<DelegationType>(relay, TX.consent.RevokeDelegation, [
        request.body,
      ]);
      return written(ctx, s);
    },
  );

  app.get(
    '/delegations/:id',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'one delegation (public: a pseudonym, an agent’s public key and a scope)',
        description:
          "One delegation with its terms and revocation. Public: the agent's digital safe reads it before signing under it, and it holds nothing personal. Records nothing.",
        params: DelegationParams,
        response: responses(Delegation, [...LEDGER, 'DELEGATION_NOT_FOUND']),
      },
    },
    async (request) =>
      ctx.chaincode.evaluate<DelegationType>(relay, TX.consent.GetDelegation, [request.params.id]),
  );
}

/** The subject's own trail, on a fresh statement they signed. */
function trailRoutes(app: RouteApp, ctx: GatewayContext): void {
  const relay = ctx.publicReader;
  app.post(
    '/:subject/trail',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          "the subject's own trail: every use of their data and their authorisations, on a fresh signed statement",
        description:
          "The subject's own trail: every use of their data and their authorisations, as JSON or CSV. No token: a statement the subject signed within the last 5 minutes is the authority, checked on chain. Records nothing.",
        params: SubjectParams,
        querystring: Type.Object(
          { format: Type.Optional(StringEnum(['json', 'csv'] as const)) },
          { additionalProperties: false },
        ),
        body: SignedTrail,
        response: mediaResponses(
          {
            'application/json': { schema: SubjectTrail },
            'text/csv': { schema: StreamBody('the uses as RFC 4180 CSV'), example: USAGE_CSV },
          },
          [
            ...READ,
            'SUBJECT_NOT_BOUND',
            'SIGNATURE_INVALID',
            'AUTHORISATION_REPLAYED',
            'AUTHORISATION_SUBJECT_MISMATCH',
            ...AGENT_REFUSALS,
          ],
        ),
      },
    },
    async (request, reply) => {
      const { subject } = request.params;
      const statement = JSON.stringify(request.body);
      const uses = await allPages<UsageRecordType>(ctx, relay, TX.consent.ListUsesBySubject, [
        subject,
        statement,
      ]);
      uses.sort((a, b) => b.at.localeCompare(a.at));
      if (request.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="shulian-my-data-trail.csv"')
          .send(Readable.from(usageCsv(uses)));
      }
      const authorisations = await allPages<AuthorisationType>(
        ctx,
        relay,
        TX.consent.ListAuthorisationsBySubject,
        [subject, statement],
      );
      const delegations = await allPages<DelegationType>(
        ctx,
        relay,
        TX.consent.ListDelegationsBySubject,
        [subject, statement],
      );
      return reply
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ subject, uses, authorisations, delegations }));
    },
  );
}

/** 在线查询: a consumer's query of one subject's records under grant and authorisation. */
function recordRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.post(
    '/records',
    {
      schema: {
        tags,
        summary:
          "在线查询: a subject's records of an entry under the grant and the subject's authorisation (consumer)",
        description:
          "A consumer holding a grant on the entry and the subject's live authorisation gets the rows of the subject's identifier in the anchored CSV / JSON Lines, projected to the allowed fields, each with its record proof. The use is checked and recorded on chain first (a refusal is recorded as DENIED) and counted against both.",
        body: Type.Object(
          {
            catalogId: Id(),
            version: Type.Optional(
              Type.Integer({ minimum: 1, description: 'default: the latest' }),
            ),
            identifier: IdNumber(
              "the subject's 身份证号 / 统一社会信用代码, as the subject gave it",
            ),
            authorisationId: Id(),
            fields: Type.Optional(Type.Array(FieldName, { minItems: 1, uniqueItems: true })),
            purpose: Type.Optional(Enums.purpose),
          },
          { additionalProperties: false, examples: [examples.subjectRecordsQuery] },
        ),
        response: responses(SubjectRecordsAnswer, [
          ...USE,
          'RECORD_NOT_FOUND',
          'AUTHORISATION_NOT_FOUND',
          'USCC_INVALID',
        ]),
      },
    },
    async (request) => {
      const caller = callerOf(request);
      const body = request.body;
      const entry = await ctx.chaincode.evaluate<CatalogEntryType>(caller, TX.catalog.GetEntry, [
        body.catalogId,
      ]);
      const kind = entry.fields.find((f) => f.consent)?.consent;
      if (entry.subjectField === null || kind === undefined) {
        throw new GatewayError(
          'VALIDATION_FAILED',
          `${entry.id} has no fields that need a subject's consent, so it is not queried by subject`,
        );
      }
      const version =
        body.version ??
        (
          await ctx.chaincode.evaluate<DatasetVersionType>(caller, TX.dataset.GetLatestVersion, [
            entry.id,
          ])
        ).version;
      const { subjectField } = entry;
      return recordedUse(ctx, () =>
        ctx.datasets.subjectRecords(caller, {
          catalogId: entry.id,
          version,
          subjectField,
          identifier: ctx.subjects.normalise(kind, body.identifier),
          subject: ctx.subjects.pseudonym(kind, body.identifier),
          authorisationId: body.authorisationId,
          fields: body.fields ?? null,
          purpose: body.purpose ?? null,
        }),
      );
    },
  );
}
