import fs from 'node:fs/promises';
import path from 'node:path';

/** The connection file shared by the dev ledger and the Fabric network scripts, read by the app. */
export interface ConnectionProfile {
  name: string;
  kind: 'devledger' | 'fabric';
  channel: string;
  chaincode: string;
  roles: { utility: string; retailers: string[]; auditors: string[] };
  organizations: Record<string, OrganizationProfile>;
}

export interface OrganizationProfile {
  mspId: string;
  peer: { endpoint: string; hostAlias: string; tlsCaCertPath: string | null };
  ca: {
    url: string;
    caName: string;
    tlsCaCertPath: string | null;
    registrar: { enrollmentId: string; enrollmentSecret: string };
  };
}

export type OrgRole = 'utility' | 'retailer' | 'auditor';

export function buildConnectionProfile(input: {
  channel: string;
  chaincode: string;
  gatewayEndpoint: string;
  caUrl: string;
  orgs: { mspId: string; caName: string; role: OrgRole }[];
  registrar: { enrollmentId: string; enrollmentSecret: string };
}): ConnectionProfile {
  const utility = input.orgs.find((o) => o.role === 'utility');
  return {
    name: 'gridshare-dev',
    kind: 'devledger',
    channel: input.channel,
    chaincode: input.chaincode,
    roles: {
      utility: utility?.mspId ?? '',
      retailers: input.orgs.filter((o) => o.role === 'retailer').map((o) => o.mspId),
      auditors: input.orgs.filter((o) => o.role === 'auditor').map((o) => o.mspId),
    },
    organizations: Object.fromEntries(
      input.orgs.map((org) => [
        org.mspId,
        {
          mspId: org.mspId,
          // One gateway serves every org on the dev ledger.
          peer: { endpoint: input.gatewayEndpoint, hostAlias: hostAlias(org.mspId), tlsCaCertPath: null },
          ca: { url: input.caUrl, caName: org.caName, tlsCaCertPath: null, registrar: { ...input.registrar } },
        },
      ]),
    ),
  };
}

export function hostAlias(mspId: string): string {
  return `peer0.${mspId.replace(/MSP$/, '').toLowerCase()}.gridshare.local`;
}

export async function writeConnectionProfile(file: string, profile: ConnectionProfile): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(profile, null, 2) + '\n');
  await fs.rename(temporary, file);
}
