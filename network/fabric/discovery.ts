/**
 * Fabric's discovery service, asked the one question `fabric:up` must answer before it says the
 * network is up: can every peer's Gateway build an endorsement plan that reaches every
 * department? A peer learns the other organisations' peers, and which of them run the chaincode,
 * through gossip some seconds after the chaincode is committed; until then its Gateway refuses
 * submits with "no combination of peers can be derived which satisfy the endorsement policy".
 * That is what made the first transactions on a fresh network fail, so readiness is defined by
 * the same discovery answer the Gateway uses (a chaincode query per peer), not by a delay.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { discovery, msp, peer } from '@hyperledger/fabric-protos';
import { hash, signers } from '@hyperledger/fabric-gateway';

/** What one peer's discovery service knows about a chaincode's endorsers. */
export interface EndorserView {
  /** MSP ids that have at least one peer in the chaincode's endorsement groups. */
  organisations: string[];
  /** The discovery error, when the peer could not describe the chaincode (yet). */
  error?: string;
}

export interface DiscoveryTarget {
  endpoint: string;
  /** The name on the peer's TLS certificate. */
  hostname: string;
  tlsCaFile: string;
  mspId: string;
  /** The MSP folder of a channel member (signcerts/cert.pem, keystore/priv_sk). */
  mspDir: string;
}

const mspIdOf = (identity: Uint8Array): string =>
  msp.SerializedIdentity.deserializeBinary(identity).getMspid();

/** One chaincode query to one peer's discovery service. */
export async function endorserView(
  target: DiscoveryTarget,
  channel: string,
  chaincode: string,
  timeoutMs = 5_000,
): Promise<EndorserView> {
  const [certificate, key, tlsCa] = await Promise.all([
    readFile(path.join(target.mspDir, 'signcerts', 'cert.pem')),
    readFile(path.join(target.mspDir, 'keystore', 'priv_sk')),
    readFile(target.tlsCaFile),
  ]);
  const identity = new msp.SerializedIdentity();
  identity.setMspid(target.mspId);
  identity.setIdBytes(certificate);
  const auth = new discovery.AuthInfo();
  auth.setClientIdentity(identity.serializeBinary());

  const call = new peer.ChaincodeCall();
  call.setName(chaincode);
  const interest = new peer.ChaincodeInterest();
  interest.setChaincodesList([call]);
  const ccQuery = new discovery.ChaincodeQuery();
  ccQuery.setInterestsList([interest]);
  const query = new discovery.Query();
  query.setChannel(channel);
  query.setCcQuery(ccQuery);
  const request = new discovery.Request();
  request.setAuthentication(auth);
  request.setQueriesList([query]);

  const payload = request.serializeBinary();
  const sign = signers.newPrivateKeySigner(createPrivateKey(key));
  const signed = new discovery.SignedRequest();
  signed.setPayload(payload);
  signed.setSignature(await sign(hash.sha256(payload)));

  const client = new grpc.Client(target.endpoint, grpc.credentials.createSsl(tlsCa), {
    'grpc.ssl_target_name_override': target.hostname,
  });
  try {
    const response = await new Promise<discovery.Response>((resolve, reject) => {
      client.makeUnaryRequest(
        '/discovery.Discovery/Discover',
        (m: discovery.SignedRequest) => Buffer.from(m.serializeBinary()),
        (b: Buffer) => discovery.Response.deserializeBinary(b),
        signed,
        { deadline: Date.now() + timeoutMs },
        (err, value) => (err || !value ? reject(err ?? new Error('no answer')) : resolve(value)),
      );
    });
    const result = response.getResultsList()[0];
    if (!result) return { organisations: [], error: 'empty discovery response' };
    if (result.hasError()) return { organisations: [], error: result.getError()?.getContent() };
    const organisations = new Set<string>();
    // toObject: google-protobuf's jspb.Map has no usable type declarations here.
    for (const descriptor of result.getCcQueryRes()?.getContentList() ?? [])
      for (const [, group] of descriptor.toObject().endorsersByGroupsMap)
        for (const { identity } of group.peersList)
          organisations.add(
            mspIdOf(typeof identity === 'string' ? Buffer.from(identity, 'base64') : identity),
          );
    return { organisations: [...organisations].sort() };
  } finally {
    client.close();
  }
}

/**
 * Waits until every target's discovery names a peer of every organisation in `expected` as an
 * endorser of the chaincode; on timeout says which peer is missing whom.
 */
export async function waitEndorsers(
  targets: DiscoveryTarget[],
  channel: string,
  chaincode: string,
  expected: string[],
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const target of targets) {
    for (let wait = 200; ; wait = Math.min(wait * 2, 2_000)) {
      let view: EndorserView;
      try {
        view = await endorserView(target, channel, chaincode);
      } catch (err) {
        view = { organisations: [], error: (err as Error).message };
      }
      const missing = expected.filter((org) => !view.organisations.includes(org));
      if (missing.length === 0) break;
      if (Date.now() > deadline)
        throw new Error(
          `peer ${target.mspId}'s discovery does not offer endorsers of ${missing.join(', ')} for ${chaincode}` +
            (view.error ? ` (${view.error})` : ''),
        );
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
