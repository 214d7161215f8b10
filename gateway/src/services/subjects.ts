/**
 * Pseudonyms of data subjects (个人 / 企业). The ledger knows a person or enterprise only as
 * HMAC-SHA256(key, `kind:identifier`), so a copy of the ledger cannot be searched by 身份证号 or
 * 统一社会信用代码. The key never leaves the gateways: on the embedded network it is this
 * installation's `subject.key` (32 random bytes, mode 0600, beside `record.key`); on Fabric the
 * coordinator hands the same key to every department's gateway, so all compute the same pseudonyms.
 */
import { createHmac } from 'node:crypto';
import type { SubjectKind } from '@shulian/chaincode/constants';
import { GatewayError } from '../errors.js';

/** 身份证号: 17 digits and a check character (digit or X); 统一社会信用代码: 18 characters. */
const IDENTIFIER_PATTERNS: Readonly<Record<SubjectKind, RegExp>> = {
  person: /^\d{17}[\dX]$/,
  enterprise: /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/,
};

export interface Subjects {
  /** The identifier as written in records: trimmed, check letters upper-case; or 400. */
  normalise(kind: SubjectKind, identifier: string): string;
  pseudonym(kind: SubjectKind, identifier: string): string;
}

export function createSubjects(key: Uint8Array): Subjects {
  const normalise = (kind: SubjectKind, identifier: string): string => {
    const text = identifier.trim().toUpperCase();
    if (!IDENTIFIER_PATTERNS[kind].test(text)) {
      throw new GatewayError(
        'VALIDATION_FAILED',
        kind === 'person'
          ? 'the 身份证号 must be 17 digits and a check digit or X'
          : 'the 统一社会信用代码 must be 18 characters (digits and capital letters without I, O, S, V, Z)',
      );
    }
    return text;
  };
  return {
    normalise,
    pseudonym: (kind, identifier) =>
      createHmac('sha256', key)
        .update(`${kind}:${normalise(kind, identifier)}`)
        .digest('hex'),
  };
}
