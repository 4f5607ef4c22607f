import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** The connection file written by the dev ledger and by the test-network scripts. */
const NullablePath = Type.Union([Type.String({ minLength: 1 }), Type.Null()]);

export const OrganizationSchema = Type.Object({
  mspId: Type.String({ minLength: 1 }),
  peer: Type.Object({
    endpoint: Type.String({ minLength: 1 }),
    hostAlias: Type.Optional(Type.String()),
    tlsCaCertPath: Type.Optional(NullablePath),
  }),
  ca: Type.Optional(
    Type.Object({
      url: Type.String({ minLength: 1 }),
      caName: Type.String({ minLength: 1 }),
      tlsCaCertPath: Type.Optional(NullablePath),
      registrar: Type.Object({ enrollmentId: Type.String(), enrollmentSecret: Type.String() }),
    }),
  ),
  /** The org's admin identity on disk, for networks without a Fabric CA (cryptogen). */
  admin: Type.Optional(
    Type.Object({ certificatePath: Type.String({ minLength: 1 }), privateKeyPath: Type.String({ minLength: 1 }) }),
  ),
});

export const ConnectionProfileSchema = Type.Object({
  name: Type.String(),
  kind: Type.Optional(Type.String()),
  channel: Type.String({ minLength: 1 }),
  chaincode: Type.String({ minLength: 1 }),
  roles: Type.Object({
    utility: Type.String({ minLength: 1 }),
    retailers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    auditors: Type.Array(Type.String({ minLength: 1 })),
  }),
  organizations: Type.Record(Type.String(), OrganizationSchema),
});

export type ConnectionProfile = Static<typeof ConnectionProfileSchema>;
export type OrganizationProfile = Static<typeof OrganizationSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates a connection file, failing with the offending fields named. */
export function loadConnectionProfile(file: string): ConnectionProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read connection file ${file}: ${(err as Error).message}`);
  }
  if (!Value.Check(ConnectionProfileSchema, raw)) {
    const problems = [...Value.Errors(ConnectionProfileSchema, raw)]
      .slice(0, 5)
      .map((e) => `${e.path || '/'} ${e.message}`);
    throw new ConfigError(`invalid connection file ${file}: ${problems.join('; ')}`);
  }
  const profile = raw;
  for (const msp of [profile.roles.utility, ...profile.roles.retailers, ...profile.roles.auditors]) {
    if (!profile.organizations[msp]) {
      throw new ConfigError(`invalid connection file ${file}: role MSP ${msp} has no entry in organizations`);
    }
  }
  return profile;
}
