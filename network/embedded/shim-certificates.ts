/**
 * fabric-shim builds a ClientIdentity for every transaction it dispatches, parsing the creator's
 * PEM certificate with @fidm/x509 (pure-JavaScript ASN.1) each time; in-process that parse was
 * about a twentieth of the CPU per transaction, for the same few certificates over and over.
 * The parse is a pure function of the PEM text and ClientIdentity only reads the result (subject,
 * issuer, extensions), so parsed certificates are kept by PEM text, a bounded number of them.
 * Imported for its effect before fabric-shim dispatches anything.
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
