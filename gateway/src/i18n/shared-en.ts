/** English of the texts the console and the command line share. Typed against shared-zh.ts. */
import type { SharedKey } from './shared-zh.js';

export const sharedEn: Readonly<Record<SharedKey, string>> = {
  'error.UNAUTHENTICATED': 'The token is not valid (any more); please sign in again.',
  'error.FORBIDDEN': 'You may not do this.',
  'error.NOT_FOUND': 'Not found.',
  'error.VALIDATION_FAILED': 'Some input is not acceptable.',
  'error.USCC_INVALID':
    'This is not a unified social credit code: 18 characters whose last one checks the others.',
  'error.MEDIA_TYPE_MISMATCH':
    'The file is not of the format its catalog entry declares (for example a web page or an image for a CSV entry); nothing was anchored.',
  'error.FORMAT_MISMATCH':
    'The file is not the format it was declared as (for example declared CSV but not parseable as CSV); nothing was anchored.',
  'error.RECORD_TOO_LARGE':
    'A row of the file is longer than 64 MiB, too long to anchor row by row; anchor the file as a whole instead. Nothing was anchored.',
  'error.INVALID_ENCODING': 'The text is not valid UTF-8; save the file as UTF-8 and try again.',
  'error.INVALID_CURSOR': 'The list position is not valid any more; start from the first page.',
  'error.METHOD_NOT_ALLOWED': 'This address does not accept that kind of request.',
  'error.INVALID_ARGUMENT': 'Some input is not acceptable.',
  'error.NOT_INITIALIZED': 'The ledger is not initialised yet.',
  'error.ALREADY_INITIALIZED': 'The ledger is already initialised.',
  'error.ALREADY_EXISTS': 'A record with this code already exists.',
  'error.DEPARTMENT_NOT_FOUND': 'The department is not registered.',
  'error.GATEWAY_NOT_FOUND': 'The department has not published its gateway in the directory.',
  'error.DEPARTMENT_SUSPENDED': 'The department is suspended.',
  'error.FORBIDDEN_ROLE': 'Your role may not do this.',
  'error.FORBIDDEN_DEPARTMENT': 'Your department may not do this.',
  'error.NOT_COORDINATOR': 'Only the data-sharing coordinator may do this.',
  'error.NOT_OWNER': 'Only the owner department may change this resource.',
  'error.CALENDAR_NOT_FOUND': 'The working-day calendar for that year is missing.',
  'error.CATALOG_NOT_FOUND': 'The catalog has no such resource.',
  'error.CATALOG_RETIRED': 'This resource is retired.',
  'error.LEGAL_BASIS_REQUIRED':
    'A resource that is not shared must cite its legal or policy basis.',
  'error.NOT_SHARED': 'This resource is not shared.',
  'error.FIELD_NOT_IN_CATALOG': 'A chosen information item is not in the catalog.',
  'error.DATASET_VERSION_NOT_FOUND': 'There is no such dataset version.',
  'error.REQUEST_NOT_FOUND': 'There is no such request.',
  'error.INVALID_STATE': 'This cannot be done in the current state.',
  'error.REASON_REQUIRED': 'A reason is required.',
  'error.GRANT_NOT_FOUND': 'There is no valid grant.',
  'error.GRANT_EXPIRED': 'The grant has expired.',
  'error.GRANT_NOT_YET_VALID': 'The grant is not valid yet.',
  'error.GRANT_REVOKED': 'The grant was revoked.',
  'error.GRANT_NOT_HOLDER': 'The grant belongs to another department.',
  'error.GRANT_CATALOG_MISMATCH': 'The grant is for another resource.',
  'error.FIELDS_NOT_GRANTED': 'The requested items go beyond the grant.',
  'error.PURPOSE_MISMATCH': 'The purpose does not match the grant.',
  'error.USE_LIMIT_REACHED': 'The grant has no uses left.',
  'error.FIELDS_NOT_PROJECTABLE':
    'This data cannot be limited to the granted fields (it is not CSV or JSON Lines, or a record proof would show other fields), so it is not served.',
  'error.RECORD_NOT_FOUND': 'The dataset version has no such record.',
  'error.USAGE_NOT_FOUND': 'There is no such usage record.',
  'error.OBJECTION_NOT_FOUND': 'There is no such objection.',
  'error.SUBJECT_NOT_BOUND':
    'This person or enterprise has no key bound yet; a department that checks identities binds it.',
  'error.SIGNATURE_INVALID':
    'The signature does not match the key bound to this person or enterprise.',
  'error.AUTHORISATION_REPLAYED': 'This authorisation was already submitted.',
  'error.AUTHORISATION_REQUIRED':
    'These items need the data subject’s own authorisation, and are given one subject at a time.',
  'error.AUTHORISATION_NOT_FOUND': 'There is no such authorisation.',
  'error.AUTHORISATION_REVOKED': 'The data subject revoked this authorisation.',
  'error.AUTHORISATION_EXPIRED': 'The authorisation has expired.',
  'error.AUTHORISATION_NOT_YET_VALID': 'The authorisation is not valid yet.',
  'error.AUTHORISATION_SPENT': 'Every use the authorisation allowed has been made.',
  'error.AUTHORISATION_PURPOSE_MISMATCH': 'The purpose is not the one the data subject authorised.',
  'error.AUTHORISATION_FIELDS': 'The authorisation does not cover these items.',
  'error.AUTHORISATION_SUBJECT_MISMATCH': 'The authorisation is another person’s or enterprise’s.',
  'error.AUTHORISATION_NOT_HOLDER': 'The authorisation was given to another department.',
  'error.AUTHORISATION_KEY_REPLACED':
    'The authorisation was signed with a key the data subject has since replaced.',
  'error.AUTHORISATION_DELEGATION_REVOKED':
    'An agent signed this authorisation under a delegation the enterprise has revoked: it is void.',
  'error.DELEGATION_NOT_FOUND': 'There is no such delegation.',
  'error.DELEGATION_REPLAYED': 'This delegation was submitted before.',
  'error.DELEGATION_NOT_LIVE':
    'The agent’s delegation is revoked, void, not yet valid or has ended.',
  'error.DELEGATION_OUT_OF_SCOPE':
    'The agent’s delegation does not cover this (act, catalog entry or period).',
  'error.CORRUPT_STATE': 'The ledger state is damaged; contact the administrator.',
  'error.BLOB_MISSING':
    'The stored file of this version is missing; nothing was recorded. Contact the administrator.',
  'error.BLOB_DAMAGED':
    'The stored file no longer matches its anchored digest and was not delivered. Contact the administrator.',
  'error.PROVIDER_UNREACHABLE':
    'The providing department’s gateway cannot be reached; nothing was recorded. Try again later.',
  'error.PROVIDER_REFUSED': 'The providing department’s gateway refused this use.',
  'error.USE_BLOCK_NOT_REACHED':
    'The providing department’s ledger has not caught up with this use yet; try again shortly.',
  'error.DELIVERY_INCOMPLETE':
    'The providing department’s gateway broke off the delivery; no partial file was kept. Download again.',
  'error.DELIVERY_MISMATCH':
    'What arrived does not match the delivery the usage record names and was not handed on. Contact the providing department.',
  'error.INSUFFICIENT_STORAGE': 'The gateway’s disk is full; try again once space is freed.',
  'error.RATE_LIMITED': 'Too many requests; wait a moment and try again.',
  'error.NOT_DELIVERED':
    'This use was refused or recorded no delivery, so it has no delivery receipt.',
  'error.UPDATE_REQUIREMENT_NOT_FOUND': 'There is no such catalog update requirement.',

  'proofCheck.record':
    'The record proof does not lead to the anchored record root: the record or the proof was changed.',
  'proofCheck.subject': 'The file (or record) you hold is not the one the proof anchors.',
  'proofCheck.anchor': 'What the proof says was anchored differs from what the transaction wrote.',
  'proofCheck.signature':
    'A signature is invalid, or its signer is not a department of the trust file.',
  'proofCheck.ledger':
    'The transaction or block evidence does not hold: the proof was changed, or is of another ledger.',
  'proofCheck.format': 'The proof file is malformed and cannot be checked.',

  'action.download': 'Download',
  'action.query': 'Query',
  'action.verify': 'Verify',
  'action.prove': 'Record proof',

  'outcome.ALLOWED': 'Allowed',
  'outcome.DENIED': 'Refused',
};
