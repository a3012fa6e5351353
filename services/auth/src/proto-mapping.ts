import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Jwk, JwkSchema } from "@parley/gen/parley/auth/v1/token_pb.js";
import { Role, type User, UserSchema } from "@parley/gen/parley/auth/v1/user_pb.js";
import type { UserRecord, UserRole } from "./ports.js";
import type { PublicSigningJwk } from "./signing-keys.js";

/** The public view of an account: never the email or the password hash. */
export function toUserProto(user: UserRecord): User {
  return create(UserSchema, {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    avatarFileId: user.avatarFileId,
    role: toRoleProto(user.role),
    createdAt: toTimestamp(user.createdAt),
  });
}

export function toRoleProto(role: UserRole): Role {
  return role === "admin" ? Role.ADMIN : Role.MEMBER;
}

/** The domain role of a (validated) proto role; undefined for ROLE_UNSPECIFIED. */
export function fromRoleProto(role: Role): UserRole | undefined {
  switch (role) {
    case Role.ADMIN:
      return "admin";
    case Role.MEMBER:
      return "member";
    default:
      return undefined;
  }
}

export function toJwkProto(jwk: PublicSigningJwk): Jwk {
  return create(JwkSchema, { ...jwk });
}

export function toTimestamp(ms: number): Timestamp {
  return timestampFromMs(ms);
}
