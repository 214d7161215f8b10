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
import { usccProblem } from './identifiers.js';

/** 身份证号: 17 digits and a check character (digit or X). */
const PERSON_ID = /^\d{17}[\dX]$/;

export interface Subjects {
  /** The identifier as written in records: trimmed, check letters upper-case; or 400. */
  normalise(kind: SubjectKind, identifier: string): string;
  pseudonym(kind: SubjectKind, identifier: string): string;
}

export function createSubjects(key: Uint8Array): Subjects {
  const normalise = (kind: SubjectKind, identifier: string): string => {
    const text = identifier.trim().toUpperCase();
    if (kind === 'enterprise') {
      const problem = usccProblem(text);
      if (problem !== null) {
        throw new GatewayError(
          'USCC_INVALID',
          // The code itself stays out of the message, as out of the ledger: messages reach logs.
          `not a 统一社会信用代码 (GB 32100-2015): ${problem}`,
        );
      }
    } else if (!PERSON_ID.test(text)) {
      throw new GatewayError(
        'VALIDATION_FAILED',
        'the 身份证号 must be 17 digits and a check digit or X',
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
