/**
 * The chaincode-as-a-service package: `metadata.json` (type ccaas, label) and `code.tar.gz`
 * holding `connection.json`, whose address is a template filled per peer from
 * CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG. The package id Fabric computes is the label and the
 * SHA-256 of the package bytes, and the running servers must be started with exactly that id,
 * so the archive is built byte-for-byte deterministically (fixed times, owners and modes) and
 * one package serves every department.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** One ustar header + content, padded to 512-byte blocks. */
function tarEntry(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, 'ascii');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(content.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding]);
}

function tarGz(files: [string, Buffer][]): Buffer {
  const tar = Buffer.concat([...files.map(([n, c]) => tarEntry(n, c)), Buffer.alloc(1024)]);
  // Node's gzip header carries no file name and a zero time: the bytes depend on content only.
  return gzipSync(tar, { level: 9 });
}

export interface ChaincodePackage {
  bytes: Buffer;
  label: string;
  packageId: string;
}

export function ccaasPackage(label: string): ChaincodePackage {
  const connection = {
    address: '{{.address}}',
    dial_timeout: '10s',
    tls_required: false,
  };
  const code = tarGz([['connection.json', Buffer.from(JSON.stringify(connection))]]);
  const bytes = tarGz([
    ['metadata.json', Buffer.from(JSON.stringify({ type: 'ccaas', label }))],
    ['code.tar.gz', code],
  ]);
  return {
    bytes,
    label,
    packageId: `${label}:${createHash('sha256').update(bytes).digest('hex')}`,
  };
}
