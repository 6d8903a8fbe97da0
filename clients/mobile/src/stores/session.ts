// The signed-in session: token, the account with its role grants, and the role the person is
// acting in now. Kept in localStorage so a reload (or an offline start) keeps the person in.
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { reactive } from 'vue';
import { Role } from '@/gen/kepu/v1/common_pb';
import { UserSchema, type Session, type User } from '@/gen/kepu/v1/identity_pb';
import { setTokenProvider, setUnauthenticatedHandler } from '@/api/client';

const KEY = 'kepu.session.v1';

/** The roles this app has screens for, in the order the role switch shows them. */
export const APP_ROLES = [
  Role.RESIDENT,
  Role.COMMUNITY_WORKER,
  Role.DEPARTMENT_STAFF,
  Role.TEAM_LEADER,
  Role.VOLUNTEER,
] as const;

export type RoleSlug = 'resident' | 'worker' | 'department' | 'leader' | 'volunteer' | 'admin';

export const roleSlug: Record<number, RoleSlug> = {
  [Role.RESIDENT]: 'resident',
  [Role.COMMUNITY_WORKER]: 'worker',
  [Role.DEPARTMENT_STAFF]: 'department',
  [Role.TEAM_LEADER]: 'leader',
  [Role.VOLUNTEER]: 'volunteer',
  [Role.ADMIN]: 'admin',
};

interface SessionState {
  token: string;
  expiresAt: number;
  user: User | undefined;
  /** The role the person acts in now (one of the user's grants). */
  role: Role;
  /** Set when a call answered UNAUTHENTICATED: the person must sign in again. */
  expired: boolean;
}

export const session = reactive<SessionState>({
  token: '',
  expiresAt: 0,
  user: undefined,
  role: Role.UNSPECIFIED,
  expired: false,
});

function storage(): Storage | undefined {
  return typeof localStorage === 'undefined' ? undefined : localStorage;
}

export function saveSession(): void {
  const s = storage();
  if (!s) return;
  if (!session.token) {
    s.removeItem(KEY);
    return;
  }
  s.setItem(
    KEY,
    JSON.stringify({
      token: session.token,
      expiresAt: session.expiresAt,
      user: session.user ? toJson(UserSchema, session.user) : null,
      role: session.role,
    }),
  );
}

export function loadSession(): void {
  const s = storage();
  const raw = s?.getItem(KEY);
  if (!raw) return;
  try {
    const v = JSON.parse(raw) as { token: string; expiresAt: number; user: JsonValue; role: number };
    if (!v.token || (v.expiresAt && v.expiresAt < Date.now())) {
      s?.removeItem(KEY);
      return;
    }
    session.token = v.token;
    session.expiresAt = v.expiresAt;
    session.user = v.user ? fromJson(UserSchema, v.user, { ignoreUnknownFields: true }) : undefined;
    session.role = v.role ?? Role.UNSPECIFIED;
    session.expired = false;
  } catch {
    s?.removeItem(KEY);
  }
}

/** The distinct roles of the user that this app serves, in display order. */
export function userRoles(user: User | undefined = session.user): Role[] {
  if (!user) return [];
  const held = new Set(user.grants.map((g) => g.role));
  return APP_ROLES.filter((r) => held.has(r));
}

/** The scopes (community, department or team ids) the user holds a role over. */
export function scopesOf(role: Role, user: User | undefined = session.user): string[] {
  if (!user) return [];
  return user.grants.filter((g) => g.role === role && g.scopeId).map((g) => g.scopeId);
}

export function signedIn(): boolean {
  return !!session.token && !!session.user;
}

export function setSession(s: Session): void {
  session.token = s.token;
  session.expiresAt = s.expiresAt ? Number(timestampMs(s.expiresAt)) : 0;
  session.user = s.user;
  const roles = userRoles(s.user);
  if (!roles.includes(session.role)) session.role = roles[0] ?? Role.UNSPECIFIED;
  session.expired = false;
  saveSession();
}

export function setUser(u: User): void {
  session.user = u;
  const roles = userRoles(u);
  if (!roles.includes(session.role)) session.role = roles[0] ?? Role.UNSPECIFIED;
  saveSession();
}

export function setRole(r: Role): void {
  session.role = r;
  saveSession();
}

export function clearSession(): void {
  session.token = '';
  session.expiresAt = 0;
  session.user = undefined;
  session.role = Role.UNSPECIFIED;
  saveSession();
}

/** Wires the token into every call and notices an expired session. */
export function installSession(onExpired: () => void): void {
  loadSession();
  setTokenProvider(() => session.token || undefined);
  setUnauthenticatedHandler(() => {
    session.expired = true;
    clearSession();
    onExpired();
  });
}
