/**
 * Checks every ledger format's evidence needs against a trust file: a signer's certificate comes
 * from the CA of the trusted department it claims, and a signature verifies. A format's evidence
 * checker extends this and adds what its structures bind (transaction ids, block inclusion).
 */
import { errorMessage, type ProofCrypto } from './crypto.js';
import { fromBase64 } from './hash.js';
import type { Failure, TrustFile } from './schema.js';

/** The identity that signed something: an MSP (department) and an X.509 certificate in PEM. */
export interface Signer {
  mspId: string;
  certificate: string;
}

export class SignerChecks {
  protected readonly failures: Failure[] = [];

  constructor(
    protected readonly trust: TrustFile,
    protected readonly crypto: ProofCrypto,
  ) {}

  protected fail(check: string, message: string): void {
    this.failures.push({ check, message });
  }

  /** The signer's certificate must come from the CA of the trusted department it claims. */
  protected async checkMember(at: string, signer: Signer): Promise<boolean> {
    const department = Object.hasOwn(this.trust.departments, signer.mspId)
      ? this.trust.departments[signer.mspId]
      : undefined;
    if (!department) {
      this.fail(`${at}.mspId`, `${signer.mspId} is not a trusted department`);
      return false;
    }
    let issued: boolean;
    try {
      issued = await this.crypto.verifyCertIssuedBy(signer.certificate, department.caCertificate);
    } catch (error) {
      this.fail(`${at}.certificate`, `unreadable certificate: ${errorMessage(error)}`);
      return false;
    }
    if (!issued) this.fail(`${at}.certificate`, `not issued by the ${signer.mspId} CA`);
    return issued;
  }

  /** With several keys (trusted key and presented certificate), every one must verify. */
  protected async checkSignature(
    at: string,
    keys: string | string[],
    data: Uint8Array,
    signature: string,
  ): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(signature);
    } catch (error) {
      this.fail(at, errorMessage(error));
      return;
    }
    try {
      for (const key of [keys].flat()) {
        if (!(await this.crypto.verifyEcdsaP256(key, data, bytes))) {
          this.fail(at, 'signature does not verify');
          return;
        }
      }
    } catch (error) {
      this.fail(at, `signature cannot be checked: ${errorMessage(error)}`);
    }
  }
}
