/**
 * The console's only client of the gateway API (`/api/v1`). Every call goes through `call`,
 * which adds the bearer token, encodes queries and bodies, and turns the gateway's
 * `{ error: { code, message } }` answers into ApiError so pages can show the stable code.
 */
import type { Static, TObject, TSchema, TUnsafe } from '@sinclair/typebox';
import {
  datasetFormatOf,
  type CatalogUpdateStatus,
  type DigestAlgorithm,
  type RequestStatus,
  type Signed,
} from '@shulian/chaincode/constants';
import type * as Schema from '../routes/schemas.js';
import type * as Shape from '../routes/shapes.js';

const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = null;

/** Set by the session module; null signs out. */
export function setToken(value: string | null): void {
  token = value;
}

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `${BASE}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * A request body: JSON, or a file sent as it is (streamed by the browser, never read here) with
 * its media type, or none (null).
 */
type Body = { json: unknown } | { file: Blob; type: string | null };

async function send(method: string, path: string, query?: Query, body?: Body): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body?.type) {
    headers['content-type'] = body.type;
    payload = body.file;
  } else if (body) {
    // A Blob with a type would make the browser send it as the Content-Type.
    payload = body.file.slice(0, body.file.size, '');
  }
  const response = await fetch(url(path, query), {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  if (!response.ok) {
    let code = 'HTTP_' + String(response.status);
    let message = response.statusText;
    try {
      const parsed = (await response.json()) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code ?? code;
      message = parsed.error?.message ?? message;
    } catch {
      // Not JSON (a proxy's error page): keep the HTTP status as the code.
    }
    throw new ApiError(response.status, code, message);
  }
  return response;
}

async function call<T>(method: string, path: string, query?: Query, json?: unknown): Promise<T> {
  const response = await send(method, path, query, json === undefined ? undefined : { json });
  return (await response.json()) as T;
}

const enc = encodeURIComponent;

export interface Downloaded {
  blob: Blob;
  filename: string;
}

/** Fetches a file with the token (a plain link cannot carry it) and names it as the server says. */
async function download(
  path: string,
  fallbackName: string,
  query?: Query,
  json?: unknown,
): Promise<Downloaded> {
  // A body makes it a POST: the subject's trail export carries a signed statement.
  const response =
    json === undefined ? await send('GET', path, query) : await send('POST', path, query, { json });
  const disposition = response.headers.get('content-disposition') ?? '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const filename = match?.[1] ? decodeURIComponent(match[1]) : fallbackName;
  return { blob: await response.blob(), filename };
}

// ---- shapes: the routes' own TypeBox schemas, so the console and the gateway cannot drift ------
// (routes/schemas.ts checks each entity against the chaincode's type: one shape from the chaincode
// through the API to these pages. Type-only: nothing of them reaches the bundle.)

/** What a schema factory of the routes (`Page(X)`, `Written(X)`) answers for items of type T. */
type Of<F extends (schema: TUnsafe<T>) => TSchema, T> = Static<ReturnType<F>>;

export type Items<T> = Of<typeof Schema.Items<TUnsafe<T>>, T>;
/** A list page (newest first); the console loads the next one on demand (`pagedList`). */
export type Page<T> = Of<typeof Schema.Page<TUnsafe<T>>, T>;
/** Which page of a list: after `cursor`, `limit` items (the gateway's default when absent). */
export type PageParams = Static<TObject<typeof Schema.PageQuery>>;
/** A write's answer: the entity as written and where it landed on the ledger. */
export type Written<T> = Of<typeof Schema.Written<TUnsafe<T>>, T>;
export type HistoryItem<T> = Of<typeof Schema.HistoryItem<TUnsafe<T>>, T>;

export type Department = Static<typeof Schema.Department>;
export type DepartmentGateway = Static<typeof Schema.DepartmentGateway>;
export type CatalogEntry = Static<typeof Schema.CatalogEntry>;
export type DatasetVersion = Static<typeof Schema.DatasetVersion>;
/** A catalog update requirement as the gateway lists it, with overdue derived at read time. */
export type UpdateRequirement = Static<typeof Schema.CatalogUpdateRequirement>;
export type ShareRequest = Static<typeof Schema.ShareRequest>;
export type Grant = Static<typeof Schema.Grant>;
export type UsageRecord = Static<typeof Schema.UsageRecord>;
/** An act of the full-process trail (全流程审计). */
export type AuditAct = Static<typeof Schema.AuditAct>;
export type QualityObjection = Static<typeof Schema.QualityObjection>;
/** Open and past its deadline when the gateway answered (requests, objections, requirements). */
export type Overdue = Pick<ShareRequest, 'overdue'>;

export type Me = Static<typeof Shape.Me>;
/** A user of a department as its admin sees it (ledger roles, tokens, what they lack). */
export type DepartmentUser = Static<typeof Shape.DepartmentUser>;
export type UserCreated = Static<typeof Shape.UserCreated>;
export type WorkingCalendar = Static<typeof Shape.WorkingCalendar>;
/** A department as the coordinator registers it. */
export type DepartmentInput = Static<typeof Shape.DepartmentInput>;
export type DemoIdentity = Static<typeof Shape.DemoIdentity>;
/** A version as listed, with where it was anchored. */
export type AnchoredVersion = Static<typeof Shape.AnchoredVersion>;
export type DigestMatch = Static<typeof Shape.VersionMatch>;
/** Search filters as the page's URL holds them (the gateway checks the values); paging apart. */
export type CatalogFilters = Partial<
  Record<Exclude<keyof Static<typeof Shape.CatalogSearch>, keyof PageParams>, string>
>;
/** What a department writes; ids of the entry's owner, version and times come from the chaincode. */
export type CatalogMetadata = Static<TObject<typeof Shape.CatalogMetadata>>;
export type RequestInput = Static<typeof Shape.RequestInput>;
export type ObjectionInput = Static<typeof Shape.ObjectionInput>;
export type ObjectionResolution = Static<typeof Shape.ObjectionResolution>;
export type UsageFilters = Static<TObject<typeof Shape.UsageFilter>>;
export type ActFilters = Static<TObject<typeof Shape.ActFilter>>;
export type ActFigures = Static<typeof Shape.ActFigures>;
export type ActFiguresQuery = Static<typeof Shape.ActFiguresQuery>;
export type BlockPage = Static<typeof Shape.BlockPage>;
export type BlockSummary = Static<typeof Shape.BlockSummary>;
export type Block = Static<typeof Shape.Block>;
export type Transaction = Static<typeof Shape.Transaction>;
export type TransactionDetail = Static<typeof Shape.TransactionDetail>;
/** The index's statistics (the schema must equal the index's type: routes/shapes.ts). */
export type DepartmentStats = Static<typeof Shape.DepartmentStats>;
export type NetworkStatus = Static<typeof Shape.NetworkStatus>;
export type NodeStatus = Static<typeof Shape.NodeStatus>;
export type VerifyReport = Static<typeof Shape.VerifyReport>;

/** A data subject's key, signed statements, authorisations and an enterprise's delegations. */
export type SubjectBinding = Static<typeof Schema.SubjectBinding>;
export type AuthorisationTerms = Static<typeof Schema.AuthorisationTerms>;
export type RevocationTerms = Static<typeof Schema.RevocationTerms>;
export type TrailTerms = Static<typeof Schema.TrailTerms>;
export type DelegationTerms = Static<typeof Schema.DelegationTerms>;
export type DelegationRevocationTerms = Static<typeof Schema.DelegationRevocationTerms>;
export type Authorisation = Static<typeof Schema.Authorisation>;
export type Delegation = Static<typeof Schema.Delegation>;
/** A data subject's own trail: every use that named them, authorisations, delegations. */
export type SubjectTrail = Static<typeof Shape.SubjectTrail>;

// ---- endpoints ---------------------------------------------------------------------------------

export const api = {
  demoIdentities: () => call<Items<DemoIdentity>>('GET', '/demo/identities'),
  me: () => call<Me>('GET', '/me'),
  departments: () => call<Items<Department>>('GET', '/departments'),
  /** The gateway directory: each department's published gateway URL and TLS certificate. */
  gateways: () => call<Items<DepartmentGateway>>('GET', '/gateways'),

  /** Administration: a department's admin (its users), the coordinator's admin (the rest). */
  admin: {
    users: (department: string) =>
      call<Items<DepartmentUser>>('GET', `/departments/${enc(department)}/users`),
    createUser: (
      department: string,
      input: { user: string; roles: DepartmentUser['roles']; label?: string },
    ) => call<UserCreated>('POST', `/departments/${enc(department)}/users`, undefined, input),
    setRoles: (department: string, user: string, roles: DepartmentUser['roles']) =>
      call<unknown>('PUT', `/departments/${enc(department)}/users/${enc(user)}/roles`, undefined, {
        roles,
      }),
    revokeTokens: (department: string, user: string) =>
      call<{ revoked: string[] }>(
        'DELETE',
        `/departments/${enc(department)}/users/${enc(user)}/tokens`,
      ),
    registerDepartment: (input: DepartmentInput) =>
      call<Written<Department>>('POST', '/departments', undefined, input),
    setDepartmentStatus: (id: string, status: Department['status']) =>
      call<Written<Department>>('PATCH', `/departments/${enc(id)}`, undefined, { status }),
    calendar: (year: number) => call<WorkingCalendar>('GET', `/calendar/${year}`),
    publishCalendar: (year: number, holidays: string[], workdays: string[]) =>
      call<Written<WorkingCalendar>>('PUT', `/calendar/${year}`, undefined, { holidays, workdays }),
  },

  catalog: {
    search: (filters: CatalogFilters, page: PageParams = {}) =>
      call<Page<CatalogEntry>>('GET', '/catalog', { ...filters, ...page }),
    get: (id: string) => call<CatalogEntry>('GET', `/catalog/${enc(id)}`),
    history: (id: string) =>
      call<Items<HistoryItem<CatalogEntry>>>('GET', `/catalog/${enc(id)}/history`),
    create: (id: string, input: CatalogMetadata) =>
      call<Written<CatalogEntry>>('POST', '/catalog', undefined, { id, ...input }),
    update: (id: string, input: CatalogMetadata, changeReason: string) =>
      call<Written<CatalogEntry>>('PUT', `/catalog/${enc(id)}`, undefined, {
        ...input,
        changeReason,
      }),
    requireUpdate: (id: string, reason: string) =>
      call<Written<UpdateRequirement>>('POST', `/catalog/${enc(id)}/require-update`, undefined, {
        reason,
      }),
    versions: (id: string) => call<Items<AnchoredVersion>>('GET', `/catalog/${enc(id)}/versions`),
    proof: (id: string, version: number) =>
      download(`/catalog/${enc(id)}/versions/${version}/proof`, `${id}@${version}.proof.json`),
    content: (id: string, version: number) =>
      download(`/catalog/${enc(id)}/versions/${version}/content`, `${id}@${version}`),
    recordProof: (id: string, version: number, index: number) =>
      download(
        `/catalog/${enc(id)}/versions/${version}/records/${index}/proof`,
        `${id}@${version}-record-${index}.proof.json`,
      ),
    /** Streams the file to the gateway, which hashes, stores and anchors it. */
    upload: async (id: string, file: File, algorithm: DigestAlgorithm, reason: string) => {
      const query = { algorithm, ...(reason ? { reason } : {}) };
      // The browser's guess of a file's type is only sent when it names a format (Windows calls
      // a .csv application/vnd.ms-excel): otherwise none is, and the entry's declared format is
      // meant, which the gateway checks the bytes against.
      const body = { file, type: datasetFormatOf(file.type) };
      const response = await send('POST', `/catalog/${enc(id)}/versions`, query, body);
      return (await response.json()) as Written<DatasetVersion>;
    },
  },

  catalogUpdates: {
    list: (filter: { catalogId?: string; owner?: string; status?: CatalogUpdateStatus }) =>
      call<Page<UpdateRequirement>>('GET', '/catalog-updates', { ...filter }),
  },

  verify: {
    digest: (algorithm: DigestAlgorithm, digest: string) =>
      call<{ matches: DigestMatch[] }>('GET', '/verify', { algorithm, digest }),
    recordRoot: (recordRoot: string) =>
      call<{ matches: DigestMatch[] }>('GET', '/verify', { recordRoot }),
  },

  requests: {
    /** `department`: whose box (the coordinator and supervisors may read any); default mine. */
    list: (
      box: 'outbox' | 'inbox',
      filter: { department?: string; status?: RequestStatus } & PageParams = {},
    ) => call<Page<ShareRequest>>('GET', '/requests', { box, ...filter }),
    /** The request, and its grant when the entry is shared without conditions (automatic). */
    create: (input: RequestInput) =>
      call<Written<Static<typeof Shape.RequestDecision>>>('POST', '/requests', undefined, input),
    /** `narrowed`: fewer fields or an earlier last day than asked; absent, the grant is as asked. */
    approve: (id: string, reason: string, narrowed: { fields?: string[]; validTo?: string } = {}) =>
      call<Written<Static<typeof Shape.RequestDecision>>>(
        'POST',
        `/requests/${enc(id)}/approve`,
        undefined,
        { ...narrowed, reason: reason || null },
      ),
    reject: (id: string, reason: string) =>
      call<Written<ShareRequest>>('POST', `/requests/${enc(id)}/reject`, undefined, { reason }),
    escalate: (id: string, reason: string) =>
      call<Written<ShareRequest>>('POST', `/requests/${enc(id)}/escalate`, undefined, { reason }),
    withdraw: (id: string, reason: string) =>
      call<Written<ShareRequest>>('POST', `/requests/${enc(id)}/withdraw`, undefined, { reason }),
  },

  grants: {
    list: (as: 'consumer' | 'provider', page: PageParams = {}) =>
      call<Page<Grant>>('GET', '/grants', { as, ...page }),
    revoke: (id: string, reason: string) =>
      call<Written<Grant>>('POST', `/grants/${enc(id)}/revoke`, undefined, { reason }),
  },

  objections: {
    list: (as: 'raiser' | 'provider', page: PageParams = {}) =>
      call<Page<QualityObjection>>('GET', '/objections', { as, ...page }),
    raise: (input: ObjectionInput) =>
      call<Written<QualityObjection>>('POST', '/objections', undefined, input),
    resolve: (id: string, input: ObjectionResolution) =>
      call<Written<QualityObjection>>('POST', `/objections/${enc(id)}/resolve`, undefined, input),
  },

  audit: {
    usage: (filters: UsageFilters, page: PageParams = {}) =>
      call<Page<UsageRecord>>('GET', '/audit/usage', { ...filters, ...page }),
    csv: (filters: UsageFilters) =>
      download('/audit/usage.csv', 'shulian-usage.csv', { ...filters }),
    prov: (filters: UsageFilters) =>
      download('/audit/prov', 'shulian-usage.prov.json', { ...filters }),
    acts: (filters: ActFilters, page: PageParams = {}) =>
      call<Page<AuditAct>>('GET', '/audit/acts', { ...filters, ...page }),
    actsCsv: (filters: ActFilters) =>
      download('/audit/acts.csv', 'shulian-acts.csv', { ...filters }),
    figures: (query: ActFiguresQuery) =>
      call<ActFigures>('GET', '/audit/acts/figures', { ...query }),
    /** An allowed use's delivery receipt, which the verify page checks a delivered file against. */
    receipt: (useId: string) =>
      download(`/audit/usage/${enc(useId)}/receipt`, `${useId}.receipt.json`),
  },

  /** The digital safe's routes: public, the subject's signature is the authority. */
  subjects: {
    binding: (subject: string) => call<SubjectBinding>('GET', `/subjects/${enc(subject)}/binding`),
    authorise: (signed: Signed<AuthorisationTerms>) =>
      call<Written<Authorisation>>('POST', '/subjects/authorisations', undefined, signed),
    revoke: (signed: Signed<RevocationTerms>) =>
      call<Written<Authorisation>>(
        'POST',
        `/subjects/authorisations/${enc(signed.payload.authorisationId)}/revoke`,
        undefined,
        signed,
      ),
    trail: (signed: Signed<TrailTerms>) =>
      call<SubjectTrail>(
        'POST',
        `/subjects/${enc(signed.payload.subject)}/trail`,
        undefined,
        signed,
      ),
    delegate: (signed: Signed<DelegationTerms>) =>
      call<Written<Delegation>>('POST', '/subjects/delegations', undefined, signed),
    undelegate: (signed: Signed<DelegationRevocationTerms>) =>
      call<Written<Delegation>>(
        'POST',
        `/subjects/delegations/${enc(signed.payload.delegationId)}/revoke`,
        undefined,
        signed,
      ),
    delegation: (id: string) => call<Delegation>('GET', `/subjects/delegations/${enc(id)}`),
    trailCsv: (signed: Signed<TrailTerms>) =>
      download(
        `/subjects/${enc(signed.payload.subject)}/trail`,
        'shulian-my-data-trail.csv',
        { format: 'csv' },
        signed,
      ),
  },

  stats: () => call<Items<DepartmentStats> & { at: string }>('GET', '/stats'),

  ledger: {
    status: () => call<NetworkStatus>('GET', '/ledger/status'),
    verify: () => call<VerifyReport>('POST', '/ledger/verify'),
    /** Block summaries, newest first, below `before` (default the height). */
    blocks: (before?: number, limit?: number) =>
      call<BlockPage>('GET', '/ledger/blocks', { before, limit }),
    block: (n: number) => call<Block>('GET', `/ledger/blocks/${n}`),
    transaction: (txId: string) =>
      call<TransactionDetail>('GET', `/ledger/transactions/${enc(txId)}`),
    /** Department CA certificates and orderer keys, for verifying proof bundles offline. */
    trust: () => call<unknown>('GET', '/ledger/trust'),
  },
};
