/**
 * fabric-shim builds a ClientIdentity for every transaction it dispatches, parsing the creator's
 * PEM certificate with @fidm/x509 (pure-JavaScript ASN.1) each time; in-process that parse was
 * about a twentieth of the CPU per transaction, for the same few certificates over and over.
 * The parse is a pure function of the PEM text and ClientIdentity only reads the result (subject,
 * issuer, extensions), so parsed certificates are kept by PEM text, a bounded number of them; and
 * the fields ClientIdentity derives from them are kept by creator (below). Imported for its effect
 * before fabric-shim's contract dispatch loads.
 */
import { createRequire } from 'node:module';

// The @fidm/x509 that fabric-shim itself resolves, wherever npm placed it.
const require = createRequire(createRequire(import.meta.url).resolve('fabric-shim'));

interface CertificateClass {
  fromPEM(data: Buffer | string): object;
}

const PARSED_ENTRIES = 4096;

const { Certificate } = require('@fidm/x509') as { Certificate: CertificateClass };
const parse = Certificate.fromPEM.bind(Certificate);
const parsed = new Map<string, object>();
Certificate.fromPEM = (data: Buffer | string): object => {
  const pem = typeof data === 'string' ? data : data.toString('utf8');
  let cert = parsed.get(pem);
  if (!cert) {
    cert = parse(data);
    parsed.set(pem, cert);
    if (parsed.size > PARSED_ENTRIES) parsed.delete(parsed.keys().next().value as string);
  }
  return cert;
};

/**
 * ClientIdentity, which fabric-contract-api builds for every invocation, then derives the same
 * fields again from that certificate: the PEM decoded and normalised (a regular expression over
 * it, and a debug message holding it built whether or not it is logged), the subject and issuer
 * formatted, the attribute extension found and its JSON parsed; about 13 µs an invocation in the
 * embedded network (#18). Those fields are a pure function of the creator's MSP id and
 * certificate, so they are kept by both, a bounded number of them, and a later identity of the
 * same creator is the same object fabric-shim would build: its prototype, its stub and creator
 * bytes, and its own copy of the attributes. A certificate that fails is never kept, so it fails
 * every time as before. Replaced on the module fabric-contract-api's dispatch reads it from
 * (chaincodefromcontract.js takes it when it loads, after this module).
 */
interface Creator {
  mspid: string;
  idBytes: Uint8Array;
}
interface Stub {
  getCreator(): Creator;
}
interface ClientIdentity {
  id: string;
  attrs: Record<string, string> | undefined;
}
interface ClientIdentityClass {
  new (stub: Stub): ClientIdentity;
  prototype: object;
}

// fabric-shim's own main module: the object chaincodefromcontract.js takes ClientIdentity from.
const shim = require('./lib/chaincode.js') as { ClientIdentity: ClientIdentityClass };
const Built = shim.ClientIdentity;
const derived = new Map<string, ClientIdentity>();
const decoder = new TextDecoder();

function KeptClientIdentity(stub: Stub): ClientIdentity {
  const { mspid, idBytes } = stub.getCreator();
  const key = `${mspid}\n${decoder.decode(idBytes)}`;
  const known = derived.get(key);
  if (!known) {
    const identity = new Built(stub);
    // Only the derived fields are kept, not the stub the identity holds.
    derived.set(key, { id: identity.id, attrs: identity.attrs && { ...identity.attrs } });
    if (derived.size > PARSED_ENTRIES) derived.delete(derived.keys().next().value as string);
    return identity;
  }
  const identity = Object.create(Built.prototype) as Record<string, unknown>;
  // The fields and their order as ClientIdentity's constructor sets them.
  identity.stub = stub;
  identity.mspId = mspid;
  identity.idBytes = idBytes;
  identity.id = known.id;
  identity.attrs = known.attrs && { ...known.attrs };
  return identity as unknown as ClientIdentity;
}
KeptClientIdentity.prototype = Built.prototype;
shim.ClientIdentity = KeptClientIdentity as unknown as ClientIdentityClass;
