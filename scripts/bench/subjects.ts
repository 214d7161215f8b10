/**
 * `npm run bench:subjects`: authorised record queries by subject (在线查询, 个人数据授权使用) against
 * an entry of 1,000,000 records, on the embedded network as the server runs it (fsync per block).
 *
 * Setup: public security's entry of birth records (two fields need the person's consent, the
 * subject column is the 身份证号), a version of `--records` CSV rows anchored record by record
 * through the gateway's dataset service, health's grant, and `--subjects` citizens, each with a
 * P-256 key bound by a verifier and an authorisation for health signed in their key.
 *
 *  1. The ledger-side check (what the issue's 50 ms is about): `--clients` concurrent clients for
 *     `--duration` seconds each run what a query runs on the ledger, `usage:CheckUse` (evaluate)
 *     then `usage:RecordUse` (submit, committed, counted against grant and authorisation), for a
 *     random citizen; checks/s and latency percentiles of the pair.
 *     The event loop's delay over the phase says how long work waited behind other work on the
 *     one thread every node, the orderer and the clients share. Then the same decision alone:
 *     `--alone` CheckUse evaluations one after another with nothing else in flight, what a check
 *     costs when it does not queue behind the commits of the clients' uses.
 *  2. Whole queries through the dataset service (`subjectRecords`, as POST /subjects/records
 *     runs it: check, find the subject's rows, a record proof each, record the use), `--queries`
 *     of them from `--clients` clients; queries/s and latency percentiles.
 *
 *   npm run build && npm run bench:subjects -- [--records 1000000] [--subjects 64] [--clients 8] [--duration 20] [--queries 8]
 *
 * A human summary on stderr, one JSON document on stdout, and a one-line summary last on stderr.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  TX,
  type Authorisation,
  type SubjectBinding,
  type UsageRecord,
  type UseCheck,
} from '@shulian/chaincode/constants';
import { loadConfig } from '../../gateway/src/config.js';
import {
  BIRTH_CONSUMER,
  BIRTH_VERIFIER,
  birthAuthorisationTerms,
  birthRecordsCsv,
  grantBirthRoles,
  idNumber,
  setUpBirthRecords,
  signedBy,
  type BirthRecordsSetUp,
} from '../../gateway/src/demo/subjects.js';
import { bootstrapNetwork } from '../../gateway/src/services/bootstrap.js';
import { openRuntime, type Runtime } from '../../gateway/src/services/runtime.js';
import { report } from './report.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    subjects: { type: 'string', default: '64' },
    clients: { type: 'string', default: '8' },
    duration: { type: 'string', default: '20' },
    queries: { type: 'string', default: '8' },
    alone: { type: 'string', default: '200' },
  },
});
const RECORDS = Number(values.records);
const SUBJECTS = Number(values.subjects);
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.duration);
const QUERIES = Number(values.queries);
const ALONE = Number(values.alone);

const ENTRY = 'PSB-BIRTH-BENCH';
const HEALTH = BIRTH_CONSUMER;

const log = (line: string): void => void process.stderr.write(`${line}\n`);

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

async function setUp(runtime: Runtime): Promise<{ set: BirthRecordsSetUp; citizens: Citizen[] }> {
  const { chaincode } = runtime;
  const context = runtime.context();
  await grantBirthRoles(runtime);
  const set = await setUpBirthRecords(runtime, {
    catalogId: ENTRY,
    source: birthRecordsCsv(RECORDS),
  });
  log(
    `anchored ${set.recordCount} records (${(set.size / 2 ** 20).toFixed(1)} MiB) in ${set.anchorSeconds.toFixed(1)} s`,
  );
  const citizens: Citizen[] = [];
  for (let n = 0; n < SUBJECTS; n++) {
    // Spread over the whole version, so finding a row is not helped by its place.
    const identifier = idNumber(Math.floor(((n + 0.5) / SUBJECTS) * RECORDS));
    const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const subject = context.subjects.pseudonym('person', identifier);
    await chaincode.submit<SubjectBinding>(BIRTH_VERIFIER, TX.consent.BindSubject, [
      {
        subject,
        kind: 'person',
        publicKey: keys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        reason: null,
      },
    ]);
    const terms = birthAuthorisationTerms(subject, ENTRY, 1000, `bench-${n}-${Date.now()}`);
    const { value: stored } = await chaincode.submit<Authorisation>(
      HEALTH,
      TX.consent.SubmitAuthorisation,
      [signedBy(keys.privateKey, terms)],
    );
    citizens.push({ identifier, subject, authorisationId: stored.id });
  }
  return { set, citizens };
}

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

/** `ALONE` CheckUse evaluations one after another, nothing else in flight; latencies in ms. */
async function checkAlone(runtime: Runtime, version: number, pick: (n: number) => Citizen) {
  const alone = await closedLoop(
    1,
    (issued) => issued >= ALONE,
    async (n) => {
      const citizen = pick(n);
      await runtime.chaincode.evaluate<UseCheck>(HEALTH, TX.usage.CheckUse, [
        {
          grantId: null,
          catalogId: ENTRY,
          datasetVersion: version,
          action: 'query',
          fields: null,
          purpose: 'data_verification',
          subject: citizen.subject,
          authorisationId: citizen.authorisationId,
          bytes: null,
          deliveredDigest: null,
        },
      ]);
    },
  );
  return summary(alone.latencies, alone.seconds);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shulian-bench-subjects-'));
  const config = loadConfig({}, { dataDir: dir, logLevel: 'silent', rateLimit: 0 });
  // As the server runs it: fsync per block, the default batch timeout.
  const runtime = await openRuntime(config, { follow: true });
  try {
    await bootstrapNetwork(runtime);
    const { set, citizens } = await setUp(runtime);
    const { version } = set;
    const { chaincode, datasets } = runtime;
    const pick = (n: number): Citizen => citizens[n % citizens.length]!;

    log(`ledger-side check: ${CLIENTS} clients, ${SECONDS} s…`);
    const deadline = performance.now() + SECONDS * 1000;
    let refused = 0;
    let conflicts = 0;
    const checks: number[] = [];
    const commits: number[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
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
    loopDelay.disable();
    const ledgerSide = {
      ...summary(check.latencies, check.seconds),
      /** How long callbacks waited on the event loop during the phase (ms). */
      eventLoopDelay: {
        p50Ms: loopDelay.percentile(50) / 1e6,
        p99Ms: loopDelay.percentile(99) / 1e6,
        maxMs: loopDelay.max / 1e6,
      },
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

    log(`decision alone: ${ALONE} CheckUse one after another…`);
    const decisionAlone = await checkAlone(runtime, version, pick);
    log(
      `decision alone: p50 ${decisionAlone.p50Ms.toFixed(1)} ms, p95 ${decisionAlone.p95Ms.toFixed(1)} ms (under load p95 ${ledgerSide.decision.p95Ms.toFixed(1)} ms, event loop delay p99 ${ledgerSide.eventLoopDelay.p99Ms.toFixed(1)} ms)`,
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

    const document = {
      bench: 'subjects',
      records: RECORDS,
      subjects: SUBJECTS,
      clients: CLIENTS,
      setUp: { anchorSeconds: set.anchorSeconds, versionBytes: set.size },
      ledgerSideCheck: { ...ledgerSide, seconds: check.seconds, targetP95Ms: 50 },
      /** usage:CheckUse with nothing else in flight: the decision's own cost. */
      decisionAlone,
      wholeQueries: { ...whole, seconds: queries.seconds },
      cpus: (await import('node:os')).cpus().length,
      at: new Date().toISOString(),
    };
    report(
      document,
      `bench:subjects ${RECORDS} records: ledger-side decision p95 ${ledgerSide.decision.p95Ms.toFixed(1)} ms (target < 50 ms: ${ledgerSide.decision.p95Ms < 50 ? 'met' : 'NOT met'}), recorded uses ${ledgerSide.perSecond.toFixed(1)}/s with commit p95 ${ledgerSide.commit.p95Ms.toFixed(0)} ms; whole authorised queries ${whole.perSecond.toFixed(2)}/s p95 ${whole.p95Ms.toFixed(0)} ms`,
    );
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
