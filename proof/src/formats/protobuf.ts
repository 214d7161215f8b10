/**
 * A minimal protocol-buffers reader for the few Fabric messages Shulian reads (blocks, envelopes,
 * endorsements, chain info). It has no dependencies and no Node APIs, so the same decoder serves
 * the gateway and the offline proof verifier in a browser; @hyperledger/fabric-protos needs
 * google-protobuf and its generated classes, which we would otherwise ship to every browser to
 * read a dozen fields. Unknown fields are skipped, as protobuf readers must.
 */

/** The wire values of one message, by field number, in order of appearance. */
export type ProtoFields = Map<number, (bigint | Uint8Array)[]>;

export class ProtobufError extends Error {
  readonly code = 'BAD_PROTOBUF';
}

function readVarint(bytes: Uint8Array, at: { pos: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (at.pos >= bytes.length) throw new ProtobufError('truncated varint');
    const b = bytes[at.pos++] ?? 0;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
    if (shift > 63n) throw new ProtobufError('varint longer than 64 bits');
  }
}

/** Splits a message into its fields; length-delimited values are views into `bytes`. */
export function readFields(bytes: Uint8Array): ProtoFields {
  const fields: ProtoFields = new Map();
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const key = readVarint(bytes, at);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new ProtobufError('field number 0');
    let value: bigint | Uint8Array;
    switch (wire) {
      case 0:
        value = readVarint(bytes, at);
        break;
      case 1:
      case 5: {
        const size = wire === 1 ? 8 : 4;
        if (at.pos + size > bytes.length) throw new ProtobufError('truncated fixed field');
        let v = 0n;
        for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at.pos + i] ?? 0);
        value = v;
        at.pos += size;
        break;
      }
      case 2: {
        const length = Number(readVarint(bytes, at));
        if (at.pos + length > bytes.length) throw new ProtobufError('truncated bytes field');
        value = bytes.subarray(at.pos, at.pos + length);
        at.pos += length;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

const EMPTY = new Uint8Array(0);

/** The last occurrence of a bytes field (protobuf's rule for non-repeated fields), or empty. */
export function bytesField(fields: ProtoFields, n: number): Uint8Array {
  const list = fields.get(n);
  const v = list?.[list.length - 1];
  if (v === undefined) return EMPTY;
  if (typeof v === 'bigint') throw new ProtobufError(`field ${n} is not length-delimited`);
  return v;
}

export function repeatedBytes(fields: ProtoFields, n: number): Uint8Array[] {
  return (fields.get(n) ?? []).map((v) => {
    if (typeof v === 'bigint') throw new ProtobufError(`field ${n} is not length-delimited`);
    return v;
  });
}

export function uintField(fields: ProtoFields, n: number): bigint {
  const list = fields.get(n);
  const v = list?.[list.length - 1];
  if (v === undefined) return 0n;
  if (typeof v !== 'bigint') throw new ProtobufError(`field ${n} is not a number`);
  return v;
}

/** An int32/int64 varint, read as two's complement. */
export function intField(fields: ProtoFields, n: number): number {
  return Number(BigInt.asIntN(64, uintField(fields, n)));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function stringField(fields: ProtoFields, n: number): string {
  try {
    return utf8.decode(bytesField(fields, n));
  } catch (err) {
    if (err instanceof ProtobufError) throw err;
    throw new ProtobufError(`field ${n} is not UTF-8`);
  }
}

export const message = (fields: ProtoFields, n: number): ProtoFields =>
  readFields(bytesField(fields, n));
