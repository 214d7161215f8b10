/**
 * `npm run bench:subjects`: authorised record queries by subject (在线查询, 个人数据授权使用) against
 * an entry of 1,000,000 records, on the embedded network as the server runs it (fsync per block).
 *
 * Setup: public security's entry of birth records (two fields need the person's consent, the
 * subject column is the 身份证号), a version of `--records` CSV rows anchored record by record
 * through the gateway's dataset service, health's grant, and `--subjects` citizens, each with a
 * P-256 key bound by a verifier and an authorisation for health signed in their key.
 *
 *  1. The ledger-side check (what the 50 ms is about): `--clients` concurrent clients for
 *     `--duration` seconds each run what a query runs on the ledger, `usage:CheckUse` (evaluate)
 *     then `usage:RecordUse` (submit, committed, counted against grant and authorisation), for a
 *     random citizen; checks/s and latency percentiles of the pair.
 *  2. Whole queries through the dataset service (`subjectRecords`, as POST /subjects/records
 *     runs it: check, find the subject's rows, a record proof each, record the use), `--queries`
 *     of them from `--clients` clients; queries/s and latency percentiles.
 *
 *   npm run build && npm run bench:subjects -- [--records 1000000] [--subjects 64] [--clients 8] [--duration 20] [--queries 8]
 *
 * A human summary on stderr, one JSON document on stdout, and a one-line summary last on stderr.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  SUBJECT_STATEMENTS,
  TX,
  type Authorisation,
  type AuthorisationTerms,
  type RequestDecisionResult,
  type SubjectBinding,
  type UsageRecord,
  type UseCheck,
} from '@shulian/chaincode/constants';
import { canonicalBytes } from '@shulian/chaincode/canonical';
import { loadConfig } from '../../gateway/src/config.js';
import { bootstrapNetwork } from '../../gateway/src/services/bootstrap.js';
import { openRuntime, type Runtime } from '../../gateway/src/services/runtime.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    subjects: { type: 'string', default: '64' },
    clients: { type: 'string', default: '8' },
    duration: { type: 'string', default: '20' },
    queries: { type: 'string', default: '8' },
  },
});
const RECORDS = Number(values.records);
const SUBJECTS = Number(values.subjects);
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.duration);
const QUERIES = Number(values.queries);

const ENTRY = 'PSB-BIRTH-BENCH';
const PSB = { department: 'psb', user: 'clerk' };
const VERIFIER = { department: 'psb', user: 'vera' };
const HEALTH = { department: 'health', user: 'clerk' };
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_DIGITS = '10X98765432';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The i-th generated 身份证号: a Jinan area code, 11 digits of i, the GB 11643 check digit. */
function idNumber(i: number): string {
  const body = `370102${String(i).padStart(11, '0')}`;
  let sum = 0;
  for (let d = 0; d < 17; d++) sum += Number(body[d]) * WEIGHTS[d]!;
  return body + CHECK_DIGITS[sum % 11]!;
}

/** The version's bytes, generated as they are anchored (never held whole in memory). */
function* birthsCsv(count: number): Generator<Uint8Array> {
  yield Buffer.from('id_number,child_name,birth_date,hospital\n');
  const batch = 10_000;
  for (let start = 0; start < count; start += batch) {
    let text = '';
    for (let i = start; i < Math.min(count, start + batch); i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      text += `${idNumber(i)},新生儿${i},2025-${String(1 + (i % 12)).padStart(2, '0')}-${day},市第${1 + (i % 9)}人民医院\n`;
    }
    yield Buffer.from(text);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(latencies: number[], seconds: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    count: sorted.length,
    perSecond: sorted.length / seconds,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? 0,
  };
}

interface Citizen {
  identifier: string;
  subject: string;
  authorisationId: string;
}

async function setUp(runtime: Runtime): Promise<{ version: number; citizens: Citizen[] }> {
  const { chaincode, datasets } = runtime;
  const context = runtime.context();
  const admin = (department: string) => ({ department, user: 'admin' });
  await chaincode.submit(admin('psb'), TX.governance.SetUserRoles, ['clerk', ['publisher']]);
  await chaincode.submit(admin('psb'), TX.governance.SetUserRoles, ['vera', ['verifier']]);
  await chaincode.submit(admin('health'), TX.governance.SetUserRoles, ['clerk', ['consumer']]);
  await chaincode.submit(PSB, TX.catalog.CreateEntry, [
    {
      id: ENTRY,
      name: '出生医学证明信息',
      classification: 'base',
      abstract: '出生医学证明签发记录',
      format: 'CSV',
      fields: [
        { name: 'id_number', nameZh: '身份证号', type: 'string', sensitivity: 'sensitive' },
        {
          name: 'child_name',
          nameZh: '新生儿姓名',
          type: 'string',
          sensitivity: 'sensitive',
          consent: 'person',
        },
        {
          name: 'birth_date',
          nameZh: '出生日期',
          type: 'date',
          sensitivity: 'sensitive',
          consent: 'person',
        },
        { name: 'hospital', nameZh: '签发机构', type: 'string', sensitivity: 'internal' },
      ],
      subjectField: 'id_number',
      shareType: 'conditional',
      shareConditions: '户口登记时核验出生医学证明',
      legalBasis: null,
      shareMethods: ['online_query'],
      openness: 'not_open',
      updateFrequency: 'daily',
      publishDate: '2026-01-05',
      relatedResources: [],
      sourceSystem: null,
      scenarios: ['出生医学证明核验'],
    },
  ]);
  const started = performance.now();
  const anchored = await datasets.anchor(PSB, {
    catalogId: ENTRY,
    source: Readable.from(birthsCsv(RECORDS)),
    mediaType: 'text/csv',
    reason: null,
    algorithm: 'sha256',
    maxBytes: 1 << 30,
  });
  const anchorSeconds = (performance.now() - started) / 1000;
  log(
    `anchored ${anchored.value.recordCount ?? 0} records (${(anchored.value.size / 2 ** 20).toFixed(1)} MiB) in ${anchorSeconds.toFixed(1)} s`,
  );
  setUpFigures.anchorSeconds = anchorSeconds;
  setUpFigures.bytes = anchored.value.size;

  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const { value } = await chaincode.submit<RequestDecisionResult>(
    HEALTH,
    TX.sharing.CreateRequest,
    [
      {
        catalogId: ENTRY,
        fields: ['id_number', 'child_name', 'birth_date', 'hospital'],
        purpose: 'data_verification',
        scenario: '户口登记：核验出生医学证明',
        period: { from: today, to: '2099-12-31' },
      },
    ],
  );
  await chaincode.submit(PSB, TX.sharing.ApproveRequest, [
    value.request.id,
    { useLimit: null, reason: null },
  ]);

  const citizens: Citizen[] = [];
  const now = Date.now();
  for (let n = 0; n < SUBJECTS; n++) {
    // Spread over the whole version, so finding a row is not helped by its place.
    const identifier = idNumber(Math.floor(((n + 0.5) / SUBJECTS) * RECORDS));
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const subject = context.subjects.pseudonym('person', identifier);
    await chaincode.submit<SubjectBinding>(VERIFIER, TX.consent.BindSubject, [
      {
        subject,
        kind: 'person',
        publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        reason: null,
      },
    ]);
    const terms: AuthorisationTerms = {
      statement: SUBJECT_STATEMENTS.authorise,
      subject,
      consumer: 'health',
      entries: [{ catalogId: ENTRY, fields: ['child_name', 'birth_date'] }],
      purpose: 'data_verification',
      matter: '户口登记时核验出生医学证明',
      validFrom: new Date(now - 60_000).toISOString(),
      validTo: new Date(now + 86_400_000).toISOString(),
      maxUses: 1000,
      nonce: `bench-${n}-${now}`,
    };
    const { value: stored } = await chaincode.submit<Authorisation>(
      HEALTH,
      TX.consent.SubmitAuthorisation,
      [{ payload: terms, signature: signed(keys.privateKey, terms) }],
    );
    citizens.push({ identifier, subject, authorisationId: stored.id });
  }
  return { version: anchored.value.version, citizens };
}

const signed = (key: KeyObject, payload: unknown): string =>
  sign('sha256', canonicalBytes(payload), { key, dsaEncoding: 'ieee-p1363' }).toString('base64');

const setUpFigures = { anchorSeconds: 0, bytes: 0 };

let wholeRetries = 0;

/** A whole query refused with 503 MVCC_CONFLICT is asked again, as a client would. */
async function retried<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if ((err as { code?: string }).code !== 'MVCC_CONFLICT' || attempt >= 50) throw err;
      wholeRetries++;
    }
  }
}

/** Runs `task` from `clients` closed-loop clients until `until()` says stop; latencies in ms. */
async function closedLoop(
  clients: number,
  until: (done: number) => boolean,
  task: (n: number) => Promise<void>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (!until(issued)) {
        const n = issued++;
        const t0 = performance.now();
        await task(n);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shulian-bench-subjects-'));
  const config = loadConfig({}, { dataDir: dir, logLevel: 'silent', rateLimit: 0 });
  // As the server runs it: fsync per block, the default batch timeout.
  const runtime = await openRuntime(config, { follow: true });
  try {
    await bootstrapNetwork(runtime);
    const { version, citizens } = await setUp(runtime);
    const { chaincode, datasets } = runtime;
    const pick = (n: number): Citizen => citizens[n % citizens.length]!;

    log(`ledger-side check: ${CLIENTS} clients, ${SECONDS} s…`);
    const deadline = performance.now() + SECONDS * 1000;
    let refused = 0;
    let conflicts = 0;
    const checks: number[] = [];
    const commits: number[] = [];
    const check = await closedLoop(
      CLIENTS,
      () => performance.now() > deadline,
      async (n) => {
        const citizen = pick(n);
        const use = {
          grantId: null,
          catalogId: ENTRY,
          datasetVersion: version,
          action: 'query' as const,
          fields: null,
          purpose: 'data_verification' as const,
          subject: citizen.subject,
          authorisationId: citizen.authorisationId,
        };
        // Every allowed use counts on its grant, so uses under one grant in the same block
        // conflict (MVCC): retried as a client of the 503 MVCC_CONFLICT answer would, and counted.
        for (let attempt = 1; ; attempt++) {
          const t0 = performance.now();
          const checked = await chaincode.evaluate<UseCheck>(HEALTH, TX.usage.CheckUse, [
            { ...use, bytes: null, deliveredDigest: null },
          ]);
          const t1 = performance.now();
          checks.push(t1 - t0);
          if (!checked.allowed) refused++;
          try {
            const recorded = await chaincode.submit<UsageRecord>(HEALTH, TX.usage.RecordUse, [
              {
                ...use,
                ...(checked.allowed ? { grantId: checked.grantId, fields: checked.fields } : {}),
                bytes: 0,
                deliveredDigest: null,
              },
            ]);
            if (recorded.value.outcome !== 'ALLOWED') refused++;
            commits.push(performance.now() - t1);
            return;
          } catch (err) {
            if ((err as { code?: string }).code !== 'MVCC_CONFLICT' || attempt >= 50) throw err;
            conflicts++;
          }
        }
      },
    );
    const ledgerSide = {
      ...summary(check.latencies, check.seconds),
      refused,
      conflicts,
      /** usage:CheckUse alone: the chaincode's decision on grant and authorisation. */
      decision: summary(checks, check.seconds),
      /** usage:RecordUse alone: endorsed, ordered (batch timeout), validated, committed. */
      commit: summary(commits, check.seconds),
    };
    log(
      `ledger side: ${ledgerSide.perSecond.toFixed(1)} checked and recorded uses/s, p95 ${ledgerSide.p95Ms.toFixed(1)} ms; decision (CheckUse) p50 ${ledgerSide.decision.p50Ms.toFixed(1)} ms, p95 ${ledgerSide.decision.p95Ms.toFixed(1)} ms; commit (RecordUse) p50 ${ledgerSide.commit.p50Ms.toFixed(0)} ms, p95 ${ledgerSide.commit.p95Ms.toFixed(0)} ms; refused ${refused}, MVCC retries ${conflicts}`,
    );

    log(`whole queries: ${QUERIES} from ${Math.min(2, QUERIES)} clients…`);
    let rows = 0;
    const queries = await closedLoop(
      Math.min(2, QUERIES),
      (issued) => issued >= QUERIES,
      async (n) => {
        const citizen = pick(n);
        const answer = await retried(() =>
          datasets.subjectRecords(HEALTH, {
            catalogId: ENTRY,
            version,
            subjectField: 'id_number',
            identifier: citizen.identifier,
            subject: citizen.subject,
            authorisationId: citizen.authorisationId,
            fields: null,
            purpose: 'data_verification',
          }),
        );
        if (answer.records.length !== 1 || answer.records[0]?.proof === null)
          throw new Error(`expected one record with its proof for ${citizen.identifier}`);
        rows += answer.records.length;
      },
    );
    const whole = { ...summary(queries.latencies, queries.seconds), rows, conflicts: wholeRetries };
    log(
      `whole queries: ${whole.perSecond.toFixed(2)}/s, p50 ${whole.p50Ms.toFixed(0)} ms, p95 ${whole.p95Ms.toFixed(0)} ms`,
    );

    const report = {
      bench: 'subjects',
      records: RECORDS,
      subjects: SUBJECTS,
      clients: CLIENTS,
      setUp: { anchorSeconds: setUpFigures.anchorSeconds, versionBytes: setUpFigures.bytes },
      ledgerSideCheck: { ...ledgerSide, seconds: check.seconds, targetP95Ms: 50 },
      wholeQueries: { ...whole, seconds: queries.seconds },
      cpus: (await import('node:os')).cpus().length,
      at: new Date().toISOString(),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    log(
      `bench:subjects ${RECORDS} records: ledger-side decision p95 ${ledgerSide.decision.p95Ms.toFixed(1)} ms (target < 50 ms: ${ledgerSide.decision.p95Ms < 50 ? 'met' : 'NOT met'}), recorded uses ${ledgerSide.perSecond.toFixed(1)}/s with commit p95 ${ledgerSide.commit.p95Ms.toFixed(0)} ms; whole authorised queries ${whole.perSecond.toFixed(2)}/s p95 ${whole.p95Ms.toFixed(0)} ms`,
    );
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
