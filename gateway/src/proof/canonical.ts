/**
 * The ledger's canonical JSON (chaincode/src/lib/canonical.ts), encoded faster for verification.
 *
 * The reference encoder builds the path of every member as it goes, for its error messages;
 * re-encoding a bundle's proposal, payload and transaction that way was the verifier's costliest
 * step after signatures. This one follows the same rules without paths, and on anything it would
 * reject it defers to the reference, so bytes and error messages stay the reference's.
 */
import { canonicalJson as referenceCanonicalJson } from '@shulian/chaincode/canonical';

/** Thrown inside the fast path only; never escapes this module. */
class Rejected extends Error {}

/**
 * `known` holds members already encoded (a transaction's proposal and payload, encoded for their
 * signatures), spliced in rather than encoded again.
 */
function encodeValue(value: unknown, known: ReadonlyMap<object, string> | undefined): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Rejected();
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      const encoded = known?.get(value);
      if (encoded !== undefined) return encoded;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += encodeValue(value[i], known);
        }
        return out + ']';
      }
      if (value instanceof Uint8Array) throw new Rejected();
      const record = value as Record<string, unknown>;
      let out = '{';
      let first = true;
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(key) + ':' + encodeValue(member, known);
        first = false;
      }
      return out + '}';
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      break;
  }
  throw new Rejected();
}

/**
 * Byte-for-byte `canonicalJson` of chaincode/src/lib/canonical.ts, and the same errors. Values in
 * `known` must map to their own canonical JSON.
 */
export function canonicalJson(value: unknown, known?: ReadonlyMap<object, string>): string {
  try {
    return encodeValue(value, known);
  } catch (error) {
    // The reference throws the message a failure should carry (with the member's path).
    if (error instanceof Rejected) return referenceCanonicalJson(value);
    throw error;
  }
}
