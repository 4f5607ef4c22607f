/**
 * The dev ledger's certificate authorities: one HTTP server speaking Fabric CA's REST subset
 * (cainfo, register, enroll, reenroll) for one CA per organisation, persisted under
 * `<dataDir>/ca/<caName>/`.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OrgCa } from './org-ca';
import { createCaRequestListener } from './server';

export interface DevCaOptions {
  dataDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7054; 0 picks a free port. */
  port?: number;
  orgs: { mspId: string; caName: string }[];
  /** Registered as a registrar in every CA. Default admin/adminpw. */
  bootstrap?: { enrollmentId: string; enrollmentSecret: string };
}

export interface DevCa {
  /** Base URL, e.g. http://127.0.0.1:7054. */
  url: string;
  caCertPem(mspId: string): string;
  close(): Promise<void>;
}

export const DEFAULT_CA_PORT = 7054;
export const DEFAULT_BOOTSTRAP = { enrollmentId: 'admin', enrollmentSecret: 'adminpw' } as const;

export async function startDevCa(options: DevCaOptions): Promise<DevCa> {
  if (options.orgs.length === 0) throw new Error('startDevCa needs at least one organisation');
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const byCaName = new Map<string, OrgCa>();
  const byMspId = new Map<string, OrgCa>();
  for (const org of options.orgs) {
    if (byCaName.has(org.caName) || byMspId.has(org.mspId)) {
      throw new Error(`Duplicate organisation in startDevCa: ${org.mspId} / ${org.caName}`);
    }
    const ca = await OrgCa.open(options.dataDir, org.caName);
    await ca.bootstrap(bootstrap.enrollmentId, bootstrap.enrollmentSecret);
    byCaName.set(org.caName, ca);
    byMspId.set(org.mspId, ca);
  }

  const server = http.createServer(createCaRequestListener(byCaName));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_CA_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    caCertPem(mspId: string): string {
      const ca = byMspId.get(mspId);
      if (!ca) throw new Error(`No dev CA for MSP '${mspId}'`);
      return ca.authority.certificatePem;
    },
    close(): Promise<void> {
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
