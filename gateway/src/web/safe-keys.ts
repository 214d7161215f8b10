/**
 * The digital safe's key store (数字保险箱): the data subject's P-256 key pair, generated here with
 * WebCrypto and kept in this browser's IndexedDB. The private key is created non-extractable, so
 * neither this code nor anything else running in the page can read its bytes; IndexedDB stores the
 * CryptoKey object itself (structured clone), which only this origin can use to sign.
 *
 * Statements are signed the way the chaincode verifies them (chaincode/src/lib/signature.ts):
 * ECDSA P-256 / SHA-256 over the statement's canonical JSON, signature in IEEE P1363 form (r‖s),
 * which is WebCrypto's own output, base64.
 *
 * An enterprise's key is its legal representative's (法定代表人), bound at market regulation's
 * counter; an agent (经办人) keeps a key of their own, which the legal representative names in a
 * signed delegation, and the agent's statements name that delegation (`signAs`).
 */
import { canonicalBytes } from '@shulian/chaincode/canonical';
import type { Signed, SubjectKind } from '@shulian/chaincode/constants';

/**
 * Whose key this is: the subject's own (a person, an enterprise's legal representative), or an
 * enterprise's agent signing under a delegation.
 */
export const SAFE_HOLDERS = ['person', 'legalRep', 'agent'] as const;
export type SafeHolder = (typeof SAFE_HOLDERS)[number];
const KIND_OF: Readonly<Record<SafeHolder, SubjectKind>> = {
  person: 'person',
  legalRep: 'enterprise',
  agent: 'enterprise',
};

/** What the safe keeps: the key pair, its public half as bound on chain, and the subject's pseudonym. */
export interface SafeKey {
  keyPair: CryptoKeyPair;
  /** SubjectPublicKeyInfo DER, base64: what the verifying department binds. */
  spki: string;
  /** SHA-256 hex of the SPKI DER, the name the ledger gives the key. */
  keyId: string;
  kind: SubjectKind;
  holder: SafeHolder;
  createdAt: string;
  /**
   * The pseudonym the counter answered with the binding (an agent: the enterprise's, from the
   * delegation); null until entered.
   */
  subject: string | null;
  /** An agent's delegation, entered from the legal representative; null otherwise. */
  delegationId: string | null;
}

const DB_NAME = 'shulian-safe';
const STORE = 'keys';
/** One key per browser profile: the safe holds one subject's identity. */
const SLOT = 'subject';
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB unavailable'));
  });
}

async function inStore<T>(
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest,
): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = run(tx.objectStore(STORE));
      // Resolve on the transaction's completion, so a write is durable before the page moves on.
      tx.oncomplete = () => resolve(request.result as T);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

export async function loadKey(): Promise<SafeKey | null> {
  const stored = await inStore<Partial<SafeKey> | undefined>('readonly', (s) => s.get(SLOT));
  if (!stored) return null;
  // Keys kept before agents existed are the subject's own.
  const holder = stored.holder ?? (stored.kind === 'enterprise' ? 'legalRep' : 'person');
  return { ...stored, holder, delegationId: stored.delegationId ?? null } as SafeKey;
}

const saveKey = (key: SafeKey): Promise<unknown> => inStore('readwrite', (s) => s.put(key, SLOT));

export const base64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
};

const hex = (bytes: ArrayBuffer): string =>
  [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * A new key pair (replacing any earlier one: a new device or a lost key, which the counter must
 * bind again). Only the private key is made non-extractable; WebCrypto always lets the public half
 * be exported, which is what is shown for binding.
 */
export async function createKey(holder: SafeHolder): Promise<SafeKey> {
  const keyPair = await crypto.subtle.generateKey(ECDSA, false, ['sign', 'verify']);
  const der = await crypto.subtle.exportKey('spki', keyPair.publicKey);
  const key: SafeKey = {
    keyPair,
    spki: base64(new Uint8Array(der)),
    keyId: hex(await crypto.subtle.digest('SHA-256', der)),
    kind: KIND_OF[holder],
    holder,
    createdAt: new Date().toISOString(),
    subject: null,
    delegationId: null,
  };
  await saveKey(key);
  return key;
}

/** Remembers the pseudonym the verifying department's binding answered. */
export async function setSubject(key: SafeKey, subject: string): Promise<SafeKey> {
  const updated = { ...key, subject };
  await saveKey(updated);
  return updated;
}

/** Remembers the delegation an agent signs under, and the enterprise it names. */
export async function setDelegation(
  key: SafeKey,
  delegation: { id: string; subject: string },
): Promise<SafeKey> {
  const updated = { ...key, subject: delegation.subject, delegationId: delegation.id };
  await saveKey(updated);
  return updated;
}

/**
 * A statement signed by this key's holder: an agent's names the delegation it is signed under,
 * which the ledger checks; the subject's own names none.
 */
export function signAs<T extends object>(
  key: SafeKey,
  payload: T,
): Promise<Signed<T & { delegationId?: string }>> {
  const named =
    key.holder === 'agent' && key.delegationId ? { delegationId: key.delegationId } : {};
  return signStatement(key, { ...payload, ...named });
}

/** The statement with the subject's signature, as the consent routes take it. */
export async function signStatement<T>(key: SafeKey, payload: T): Promise<Signed<T>> {
  const bytes = canonicalBytes(payload);
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    key.keyPair.privateKey,
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
  return { payload, signature: base64(new Uint8Array(signature)) };
}

/** A nonce for an authorisation's terms: 16 random bytes, base64url (the chaincode's pattern). */
export function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
