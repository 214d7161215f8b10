/**
 * Who is calling, from the certificate alone. See chaincode/README.md "Identity and roles".
 */
import { ADMIN_OU, ErrorCode } from '../constants.js';
import { ChaincodeError } from './errors.js';

export interface CertificateIdentity {
  department: string;
  user: string;
  /** The certificate carries the Fabric NodeOU `admin`. */
  isAdmin: boolean;
}

/**
 * fabric-shim renders the subject as `x509::/C=CN/OU=admin/CN=alice::/C=CN/CN=ca...`, escaping
 * a '/' inside a value as '\/'. We read CN and OU from the subject part only: the issuer's CN
 * is the CA's, not the user's.
 */
export function parseSubject(id: string): { cn: string | null; ous: string[] } {
  const match = /^x509::((?:\/[A-Za-z.0-9]+=(?:\\\/|[^/])*)*)::/.exec(id);
  const subject = match?.[1] ?? '';
  let cn: string | null = null;
  const ous: string[] = [];
  for (const part of subject.matchAll(/\/([A-Za-z.0-9]+)=((?:\\\/|[^/])*)/g)) {
    const value = (part[2] ?? '').replace(/\\\//g, '/');
    if (part[1] === 'CN') cn = value;
    if (part[1] === 'OU') ous.push(value);
  }
  return { cn, ous };
}

export function identityFromClient(mspId: string, clientId: string): CertificateIdentity {
  const { cn, ous } = parseSubject(clientId);
  if (!cn) {
    throw new ChaincodeError(ErrorCode.FORBIDDEN_ROLE, 'the caller certificate has no subject CN');
  }
  return { department: mspId, user: cn, isAdmin: ous.includes(ADMIN_OU) };
}
