/**
 * Who is signed in. The token lives in sessionStorage, so it is gone when the tab closes and is
 * never shared with other tabs' sessions; the principal is re-read from the gateway on load so a
 * revoked token signs the user out instead of failing on every call.
 */
import { api, setToken, type Me } from './api.js';
import type { Role } from '@shulian/chaincode/constants';

const STORAGE_KEY = 'shulian.token';

let me: Me | null = null;

export const currentUser = (): Me | null => me;

export const hasRole = (...roles: Role[]): boolean =>
  me !== null && roles.some((role) => me?.roles.includes(role));

/** A department's admin manages its users and tokens (the coordinator's, also the network's). */
export const isAdmin = (): boolean => hasRole('admin');

/** Supervisors and the coordinator may read the audit trail. */
export const canAudit = (): boolean => hasRole('supervisor') || me?.isCoordinator === true;

/** Validates the token with the gateway and keeps it; throws ApiError when it is refused. */
export async function signIn(token: string): Promise<Me> {
  setToken(token);
  try {
    me = await api.me();
  } catch (err) {
    setToken(null);
    throw err;
  }
  sessionStorage.setItem(STORAGE_KEY, token);
  return me;
}

export function signOut(): void {
  me = null;
  setToken(null);
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Restores the tab's session at start-up; a token the gateway no longer accepts (revoked,
 * expired) is dropped, and the answer says so: `ended`.
 */
export async function restore(): Promise<'none' | 'restored' | 'ended'> {
  const token = sessionStorage.getItem(STORAGE_KEY);
  if (!token) return 'none';
  try {
    await signIn(token);
    return 'restored';
  } catch {
    signOut();
    return 'ended';
  }
}
