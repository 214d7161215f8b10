/**
 * Endorsement policies in Fabric's signature-policy form: a tree of n-out-of rules over
 * principals (MSP id and role). Parsed from Fabric's policy language (as in departments.yaml),
 * decoded from the SignaturePolicyEnvelope bytes fabric-shim's KeyEndorsementPolicy writes, and
 * evaluated against the set of identities that signed, as Fabric's cauthdsl evaluator does.
 */
import { common, msp } from '@hyperledger/fabric-protos';

export const ROLES = ['member', 'admin', 'client', 'peer', 'orderer'] as const;
export type Role = (typeof ROLES)[number];

export type Policy =
  { kind: 'signedBy'; mspId: string; role: Role } | { kind: 'outOf'; n: number; rules: Policy[] };

/** An identity that signed: its MSP and NodeOU. */
export interface Signer {
  mspId: string;
  ou: string;
}

export class PolicyError extends Error {
  readonly code = 'INVALID_POLICY';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/**
 * Parses Fabric policy syntax: `AND('a.peer', ...)`, `OR(...)`, `OutOf(n, ...)`, and the
 * implicit forms MAJORITY, ANY and ALL (over `members`, each as `<msp>.peer`).
 */
export function parsePolicy(text: string, members: string[]): Policy {
  const trimmed = text.trim();
  const implicit = /^(MAJORITY|ANY|ALL)(?:\s+Endorsement)?$/i.exec(trimmed);
  if (implicit) {
    const rules: Policy[] = members.map((mspId) => ({ kind: 'signedBy', mspId, role: 'peer' }));
    const kind = (implicit[1] as string).toUpperCase();
    const n =
      kind === 'ANY' ? 1 : kind === 'ALL' ? members.length : Math.floor(members.length / 2) + 1;
    return { kind: 'outOf', n, rules };
  }
  const tokens = trimmed.match(/'[^']*'|"[^"]*"|[A-Za-z]+|\d+|[(),]|\S/g) ?? [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (expected?: string): string => {
    const t = tokens[pos++];
    if (t === undefined) throw new PolicyError(`policy ${JSON.stringify(text)}: unexpected end`);
    if (expected !== undefined && t !== expected)
      throw new PolicyError(`policy ${JSON.stringify(text)}: expected ${expected}, found ${t}`);
    return t;
  };
  const expr = (): Policy => {
    const t = take();
    if (/^['"]/.test(t)) return principal(t.slice(1, -1));
    const op = t.toUpperCase();
    if (op !== 'AND' && op !== 'OR' && op !== 'OUTOF')
      throw new PolicyError(`policy ${JSON.stringify(text)}: unknown operator ${t}`);
    take('(');
    let n = 0;
    if (op === 'OUTOF') {
      const count = take();
      if (!/^\d+$/.test(count))
        throw new PolicyError(
          `policy ${JSON.stringify(text)}: OutOf needs a count, found ${count}`,
        );
      n = Number(count);
      take(',');
    }
    const rules = [expr()];
    while (peek() === ',') {
      take(',');
      rules.push(expr());
    }
    take(')');
    if (op === 'AND') n = rules.length;
    if (op === 'OR') n = 1;
    if (n < 1 || n > rules.length)
      throw new PolicyError(
        `policy ${JSON.stringify(text)}: OutOf(${n}) over ${rules.length} rules`,
      );
    return { kind: 'outOf', n, rules };
  };
  const principal = (p: string): Policy => {
    const dot = p.lastIndexOf('.');
    const mspId = p.slice(0, dot);
    const role = p.slice(dot + 1).toLowerCase();
    if (dot <= 0 || !(ROLES as readonly string[]).includes(role)) {
      throw new PolicyError(
        `policy ${JSON.stringify(text)}: principal ${JSON.stringify(p)} is not '<msp>.<${ROLES.join('|')}>'`,
      );
    }
    if (!members.includes(mspId))
      throw new PolicyError(`policy ${JSON.stringify(text)}: unknown MSP ${mspId}`);
    return { kind: 'signedBy', mspId, role: role as Role };
  };
  const policy = expr();
  if (pos !== tokens.length)
    throw new PolicyError(`policy ${JSON.stringify(text)}: unexpected ${tokens[pos]}`);
  return policy;
}

const ROLE_OF_PB: Record<number, Role> = {
  [msp.MSPRole.MSPRoleType.MEMBER]: 'member',
  [msp.MSPRole.MSPRoleType.ADMIN]: 'admin',
  [msp.MSPRole.MSPRoleType.CLIENT]: 'client',
  [msp.MSPRole.MSPRoleType.PEER]: 'peer',
  [msp.MSPRole.MSPRoleType.ORDERER]: 'orderer',
};

const DECODED_ENTRIES = 4096;
/**
 * Decoded validation parameters by their bytes. Every transaction that writes a key with a
 * key-level policy needs that policy decoded by the client and by every node, and a ledger
 * holds few distinct policies (a department's ownership policy is the same bytes on all its
 * keys), so the protobuf decode ran thousands of times for a handful of inputs. Decoding is a
 * pure function of the bytes; the results are frozen because they are shared.
 */
const decoded = new Map<string, Policy>();

function freezePolicy(policy: Policy): Policy {
  if (policy.kind === 'outOf') {
    policy.rules.forEach(freezePolicy);
    Object.freeze(policy.rules);
  }
  return Object.freeze(policy);
}

/** Decodes a serialized SignaturePolicyEnvelope (a key-level validation parameter). */
export function decodePolicy(bytes: Uint8Array): Policy {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let policy = decoded.get(key);
  if (!policy) {
    policy = freezePolicy(decodeEnvelope(bytes));
    decoded.set(key, policy);
    if (decoded.size > DECODED_ENTRIES) decoded.delete(decoded.keys().next().value as string);
  }
  return policy;
}

function decodeEnvelope(bytes: Uint8Array): Policy {
  let envelope: common.SignaturePolicyEnvelope;
  try {
    envelope = common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  } catch (err) {
    throw new PolicyError(
      `undecodable signature policy envelope: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const principals = envelope.getIdentitiesList().map((identity) => {
    if (identity.getPrincipalClassification() !== msp.MSPPrincipal.Classification.ROLE) {
      throw new PolicyError('only ROLE principals are supported in key-level policies');
    }
    const role = msp.MSPRole.deserializeBinary(identity.getPrincipal_asU8());
    const name = ROLE_OF_PB[role.getRole()];
    if (!name) throw new PolicyError(`unknown MSP role ${role.getRole()}`);
    return { kind: 'signedBy' as const, mspId: role.getMspIdentifier(), role: name };
  });
  const convert = (rule: common.SignaturePolicy | undefined): Policy => {
    if (!rule) throw new PolicyError('empty signature policy');
    if (rule.hasSignedBy()) {
      const p = principals[rule.getSignedBy()];
      if (!p) throw new PolicyError(`signed_by ${rule.getSignedBy()} names no identity`);
      return p;
    }
    const outOf = rule.getNOutOf();
    if (!outOf) throw new PolicyError('signature policy rule is neither signed_by nor n_out_of');
    return { kind: 'outOf', n: outOf.getN(), rules: outOf.getRulesList().map(convert) };
  };
  return convert(envelope.getRule());
}

const matches = (p: { mspId: string; role: Role }, s: Signer): boolean =>
  p.mspId === s.mspId && (p.role === 'member' || p.role === s.ou);

/**
 * Whether the signers satisfy the policy. Each signature counts once, and rules are tried in
 * order, greedily, exactly as Fabric's cauthdsl does, so both engines accept the same sets.
 */
export function satisfies(policy: Policy, signers: Signer[]): boolean {
  const evaluate = (p: Policy, used: boolean[]): boolean => {
    if (p.kind === 'signedBy') {
      const i = signers.findIndex((s, j) => !used[j] && matches(p, s));
      if (i < 0) return false;
      used[i] = true;
      return true;
    }
    let verified = 0;
    for (const rule of p.rules) {
      const trial = [...used];
      if (evaluate(rule, trial)) {
        verified++;
        trial.forEach((u, j) => (used[j] = u));
      }
    }
    return verified >= p.n;
  };
  return evaluate(
    policy,
    signers.map(() => false),
  );
}

/** The MSPs named by a policy, in order of first appearance: candidates for endorsement. */
export function policyMembers(policy: Policy): string[] {
  if (policy.kind === 'signedBy') return [policy.mspId];
  return [...new Set(policy.rules.flatMap(policyMembers))];
}

/**
 * A smallest-first choice of MSPs whose peers satisfy every policy, preferring `preferred`
 * (usually the client's own department) and MSPs earlier in `available`.
 */
export function chooseEndorsers(
  policies: Policy[],
  available: string[],
  preferred: string[] = [],
): string[] | null {
  const order = [...new Set([...preferred.filter((m) => available.includes(m)), ...available])];
  const ok = (set: string[]): boolean =>
    policies.every((p) =>
      satisfies(
        p,
        set.map((mspId) => ({ mspId, ou: 'peer' })),
      ),
    );
  // Departments are few (tens at most), so trying subsets by size is cheap and finds the minimum.
  for (let size = 1; size <= order.length; size++) {
    const found = firstSubset(order, size, ok);
    if (found) return found;
  }
  return null;
}

function firstSubset(
  items: string[],
  size: number,
  ok: (set: string[]) => boolean,
): string[] | null {
  const pick = (start: number, chosen: string[]): string[] | null => {
    if (chosen.length === size) return ok(chosen) ? chosen : null;
    for (let i = start; i <= items.length - (size - chosen.length); i++) {
      const r = pick(i + 1, [...chosen, items[i] as string]);
      if (r) return r;
    }
    return null;
  };
  return pick(0, []);
}
