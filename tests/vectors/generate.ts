/**
 * Generates tests/vectors/bundle-v2-leaf3.json: real P-256 certificates and signatures, a signed
 * transaction anchoring a DatasetVersion in a signed three-transaction block, a file bundle, a
 * record bundle with every field opened and a projected one (two fields withheld as commitments),
 * a mutation of every field of the three bundles with the checks that must fail, and named
 * negative cases. Another verifier (the browser console's) can run the same file.
 *
 * Record proofs are of leaf version 3 (proof/src/leaves-v3.ts), as the gateway anchors now.
 * tests/vectors/bundle-v2.json (record proofs of leaf version 2) and tests/vectors/bundle-v1.json
 * (whole-record proofs) were made by this script before leaf version 3 and format version 2, and
 * are kept as they are, so those proofs are shown to still verify.
 *
 * Identities are made here with @peculiar/x509 rather than by the embedded network's code, so the
 * vectors stay independent of the implementation they test.
 *
 *   npx tsx tests/vectors/generate.ts
 */
import {
  createHash,
  createPrivateKey,
  randomBytes,
  sign,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { canonicalBytes, type Json } from '@shulian/chaincode/canonical';
import { createBundle } from '@shulian/proof/formats/embedded-bundle';
import {
  encodeHeader,
  encodeProposal,
  encodeResponsePayload,
  encodeTransaction,
  evidenceFromBlock,
  type Block,
  type Proposal,
  type ProposalResponsePayload,
  type SignerRef,
  type Transaction,
} from '@shulian/proof/formats/embedded';
import type { ProofBundle, TrustFile } from '@shulian/proof/bundle';
import { commitFile } from '@shulian/proof/chunks';
import { toBase64, toHex, utf8 } from '@shulian/proof/hash';
import { leafHash, merkleRoot } from '@shulian/proof/merkle';
import { anchoringScheme, nodeSha256 } from '@shulian/proof/node';
import {
  issueRecordProof,
  projectRecordProof,
  RecordCommitmentBuilder,
  RecordParser,
} from '@shulian/proof/records';
import {
  expectedChecks,
  leafPaths,
  mutate,
  namedMutations,
  structuralMutations,
  type Mutation,
} from './mutations.js';

x509.cryptoProvider.set(webcrypto as Parameters<typeof x509.cryptoProvider.set>[1]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CHANNEL = 'shulian';
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
// Far enough ahead that committed vectors do not expire under a verifier that checks validity.
const NOT_AFTER = new Date('2126-01-01T00:00:00Z');

interface Identity {
  ref: SignerRef;
  key: KeyObject;
}

interface Ca {
  mspId: string;
  certificate: x509.X509Certificate;
  keys: CryptoKeyPair;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

async function createCa(mspId: string): Promise<Ca> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `C=CN, O=${mspId}, CN=ca.${mspId}`,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    keys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  return { mspId, certificate, keys };
}

async function issue(ca: Ca, name: string, ou: string): Promise<Identity> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: toHex(randomBytes(8)).replace(/^./, '1'),
    subject: `C=CN, O=${ca.mspId}, OU=${ou}, CN=${name}`,
    issuer: ca.certificate.subject,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    ref: { mspId: ca.mspId, certificate: certificate.toString('pem') },
    key: createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
  };
}

const signB64 = (id: Identity, data: Uint8Array): string => toBase64(sign('sha256', data, id.key));
const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function transaction(
  client: Identity,
  endorsers: Identity[],
  fcn: string,
  args: string[],
  writes: ProposalResponsePayload['rwset']['writes'],
  timestamp: number,
): Transaction {
  const nonce = toBase64(randomBytes(24));
  const proposal: Proposal = {
    version: 1,
    channel: CHANNEL,
    chaincode: 'shulian',
    fcn,
    args,
    transientKeys: [],
    txId: sha256Hex(Buffer.concat([Buffer.from(nonce, 'base64'), utf8(client.ref.certificate)])),
    nonce,
    timestamp,
    creator: client.ref,
  };
  const payload: ProposalResponsePayload = {
    txId: proposal.txId,
    proposalHash: sha256Hex(encodeProposal(proposal)),
    rwset: {
      reads: [{ key: writes[0]!.key, version: null }],
      rangeReads: [],
      writes,
      metadataWrites: [],
    },
    event: { name: 'Generated', payload: toBase64(utf8(fcn)) },
    response: { status: 200, message: '', payload: '' },
  };
  const signed = encodeResponsePayload(payload);
  return {
    proposal,
    clientSignature: signB64(client, encodeProposal(proposal)),
    payload,
    endorsements: endorsers.map((e) => ({ endorser: e.ref, signature: signB64(e, signed) })),
  };
}

// A certificate register (证照) as a provider would anchor it record by record.
const CSV = [
  '证书编号,持证人,身份证号,有效期至',
  'ZJ-2026-0001,张三,110101199001011234,2029-12-31',
  'ZJ-2026-0002,李四,110101198505052345,2028-06-30',
  'ZJ-2026-0003,王五,110101197712123456,2030-01-15',
  'ZJ-2026-0004,赵六,110101199909094567,2027-03-01',
  'ZJ-2026-0005,"钱七, 代理",110101200101015678,2031-08-08',
].join('\r\n');
const SECRET = utf8('vector secret: never use a fixed secret outside tests');
const PROVEN_RECORD = 3;
// A consumer granted the certificate number and its validity, not the holder's name or ID number.
const PROJECTED_FIELDS = ['证书编号', '有效期至'];

async function main(): Promise<void> {
  const [market, health, orderers] = await Promise.all([
    createCa('MarketMSP'),
    createCa('HealthMSP'),
    createCa('OrdererMSP'),
  ]);
  const client = await issue(market, 'publisher1', 'client');
  const marketPeer = await issue(market, 'peer0.market', 'peer');
  const healthPeer = await issue(health, 'peer0.health', 'peer');
  const orderer = await issue(orderers, 'orderer0', 'orderer');

  const file = utf8(CSV);
  const commitment = await commitFile(nodeSha256, [file]);
  const leaves: Uint8Array[] = [];
  const scheme = anchoringScheme('sha256');
  const records = new RecordCommitmentBuilder(nodeSha256, 'csv', SECRET, scheme, (l) =>
    leaves.push(l.slice()),
  );
  records.update(file);
  const recordRoot = records.finish();

  const anchorKey = '\u0000DatasetVersion\u0000CAT-MARKET-0007\u00003\u0000';
  const version: Json = {
    id: 'CAT-MARKET-0007@3',
    catalogId: 'CAT-MARKET-0007',
    version: 3,
    owner: 'MarketMSP',
    digest: commitment.digest as unknown as Json,
    chunkRoot: commitment.chunkRoot,
    chunkSize: commitment.chunkSize,
    size: commitment.size,
    mediaType: 'text/csv',
    recordRoot: recordRoot.root,
    recordCount: recordRoot.count,
    previousVersion: 2,
    reason: '更正质疑 Q-17',
    anchoredAt: '2026-11-20T08:00:00.000Z',
    anchoredBy: { department: 'MarketMSP', user: 'publisher1' },
  };
  const t0 = Date.parse('2026-11-20T08:00:00.000Z');
  const other = (n: number): Transaction =>
    transaction(
      client,
      [marketPeer],
      'catalog:UpdateEntry',
      [`{"n":${n}}`],
      [
        {
          key: `\u0000CatalogEntry\u0000CAT-${n}\u0000`,
          value: toBase64(utf8(`{"n":${n}}`)),
          isDelete: false,
        },
      ],
      t0 - 1000 + n,
    );
  const anchorTx = transaction(
    client,
    [marketPeer, healthPeer],
    'dataset:AnchorVersion',
    [JSON.stringify(version)],
    [
      { key: anchorKey, value: toBase64(canonicalBytes(version)), isDelete: false },
      {
        key: '\u0000DatasetLatest\u0000CAT-MARKET-0007\u0000',
        value: toBase64(utf8('3')),
        isDelete: false,
      },
    ],
    t0,
  );
  const transactions = [other(1), anchorTx, other(2)];
  const header = {
    number: 42,
    previousHash: sha256Hex(utf8('block 41')),
    dataHash: toHex(
      merkleRoot(
        nodeSha256,
        transactions.map((tx) => leafHash(nodeSha256, encodeTransaction(tx))),
      ),
    ),
    timestamp: t0 + 1500,
    txCount: transactions.length,
  };
  const block: Block = {
    header,
    transactions,
    ordererSignature: { orderer: orderer.ref, signature: signB64(orderer, encodeHeader(header)) },
  };
  const evidence = evidenceFromBlock(nodeSha256, block, 1, 'VALID');

  const parser = new RecordParser('csv');
  const parsed = [...parser.push(file), ...parser.end()];
  const recordProof = issueRecordProof(
    nodeSha256,
    SECRET,
    scheme,
    leaves,
    PROVEN_RECORD,
    parsed[PROVEN_RECORD]!,
  );
  const bundles: Record<Mutation['bundle'], ProofBundle> = {
    file: createBundle(evidence, anchorKey, {
      kind: 'file',
      digest: commitment.digest,
      size: commitment.size,
    }),
    record: createBundle(evidence, anchorKey, { kind: 'record', proof: recordProof }),
    projected: createBundle(evidence, anchorKey, {
      kind: 'record',
      proof: projectRecordProof(nodeSha256, recordProof, PROJECTED_FIELDS),
    }),
  };

  const trust: TrustFile = {
    format: 'shulian-trust',
    version: 1,
    channel: CHANNEL,
    departments: {
      MarketMSP: { caCertificate: market.certificate.toString('pem') },
      HealthMSP: { caCertificate: health.certificate.toString('pem') },
    },
    orderers: [{ mspId: 'OrdererMSP', certificate: orderer.ref.certificate }],
  };
  const ordererKey = new X509Certificate(orderer.ref.certificate).publicKey;
  const trustByOrdererKey: TrustFile = {
    ...trust,
    orderers: [
      {
        mspId: 'OrdererMSP',
        publicKey: ordererKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    ],
  };

  const mutations: Mutation[] = [];
  for (const kind of ['file', 'record', 'projected'] as const) {
    const bundle = bundles[kind] as unknown as Json;
    for (const path of leafPaths(bundle)) {
      mutations.push({
        bundle: kind,
        path,
        value: mutate(bundle, path),
        expect: expectedChecks(bundle, path),
      });
    }
    mutations.push(...structuralMutations(kind, bundles[kind]));
  }
  mutations.push(...namedMutations(bundles));

  const vectors = {
    description:
      'Proof bundle vectors, format shulian-proof v2, record proofs of leaf version 3. Every bundle verifies against trust (and ' +
      'trustByOrdererKey); `projected` discloses only projectedFields. Each mutation replaces ' +
      'the value at path and must fail with every check named in expect among the failures; ' +
      'named mutations are negative cases beyond one changed field.',
    csv: CSV,
    provenRecord: PROVEN_RECORD,
    projectedFields: PROJECTED_FIELDS,
    trust,
    trustByOrdererKey,
    bundles,
    mutations,
  };
  writeFileSync(
    new URL('./bundle-v2-leaf3.json', import.meta.url),
    `${JSON.stringify(vectors, null, 1)}\n`,
  );
  console.log(`wrote ${mutations.length} mutations`);
}

await main();
