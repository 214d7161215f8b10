/**
 * The trust file that proof bundles are verified against, from the embedded network's trust
 * bundle: department CA certificates (every member organisation but the orderer's) and the
 * orderer's signing certificate.
 */
import type { TrustBundle } from '../ledger/embedded.js';
import type { TrustFile } from '../proof/bundle.js';

export function trustFileFrom(bundle: TrustBundle): TrustFile {
  const departments: TrustFile['departments'] = {};
  for (const [mspId, caCertificate] of Object.entries(bundle.members)) {
    if (mspId !== bundle.orderer.mspId) departments[mspId] = { caCertificate };
  }
  return {
    format: 'shulian-trust',
    version: 1,
    channel: bundle.channel,
    departments,
    orderers: [{ mspId: bundle.orderer.mspId, certificate: bundle.orderer.certificate }],
  };
}
