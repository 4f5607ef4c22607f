/**
 * Checks of the network definition and the test-network scripts that need no Fabric binaries.
 * Bringing a network up is the end-to-end suite's job (npm run test:fabric).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

const repo = path.resolve(__dirname, '../..');
const scriptsDir = path.join(repo, 'test-network-scripts');
const networkDir = path.join(repo, 'network');
const networkSh = path.join(scriptsDir, 'native/network.sh');

function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return shellScripts(file);
    return name.endsWith('.sh') ? [file] : [];
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(command, args, { encoding: 'utf8', env, timeout: 30000 });
}

describe('shell scripts', () => {
  const scripts = shellScripts(scriptsDir);

  test('there are native and fabric-samples scripts', () => {
    const names = scripts.map((f) => path.relative(scriptsDir, f));
    expect(names).toEqual(expect.arrayContaining(['native/network.sh', 'fabric-samples/deploy.sh']));
  });

  test.each(scripts.map((f) => [path.relative(repo, f), f]))('%s parses (bash -n)', (_name, file) => {
    const result = run('bash', ['-n', file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('network.sh without Fabric binaries', () => {
  let emptyBin: string;
  let workDir: string;
  beforeAll(() => {
    emptyBin = mkdtempSync(path.join(tmpdir(), 'gridshare-nobin-'));
    workDir = mkdtempSync(path.join(tmpdir(), 'gridshare-work-'));
  });
  afterAll(() => {
    rmSync(emptyBin, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  test('up fails, naming every missing binary, and starts nothing', () => {
    const result = run('bash', [networkSh, 'up'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      FABRIC_BIN: emptyBin,
      GRIDSHARE_FABRIC_DIR: workDir,
    });
    expect(result.status).not.toBe(0);
    for (const name of ['peer', 'orderer', 'configtxgen', 'osnadmin', 'cryptogen']) {
      expect(result.stderr).toMatch(new RegExp(`missing Fabric binaries:.*\\b${name}\\b`));
    }
    expect(result.stderr).toContain(`FABRIC_BIN=${emptyBin}`);
    expect(result.stderr).toContain('install-fabric.sh');
    expect(readdirSync(workDir)).toEqual([]);
  });

  test('deploy fails the same way before touching anything', () => {
    const result = run('bash', [networkSh, 'deploy'], {
      PATH: process.env.PATH,
      FABRIC_BIN: emptyBin,
      GRIDSHARE_FABRIC_DIR: workDir,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('missing Fabric binaries: peer orderer configtxgen osnadmin');
  });

  test('status and down on a directory with no network succeed quietly', () => {
    expect(run('bash', [networkSh, 'status'], { PATH: process.env.PATH, GRIDSHARE_FABRIC_DIR: workDir }).status).toBe(0);
    expect(run('bash', [networkSh, 'down'], { PATH: process.env.PATH, GRIDSHARE_FABRIC_DIR: workDir }).status).toBe(0);
  });

  test('an unknown command prints the usage and fails', () => {
    const result = run('bash', [networkSh, 'sideways'], { PATH: process.env.PATH });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('network.sh up');
  });
});

describe('network/configtx.yaml', () => {
  const configtx = YAML.parse(readFileSync(path.join(networkDir, 'configtx.yaml'), 'utf8'), { merge: true });
  const profile = configtx.Profiles.EnergyChannel;
  const app = profile.Application;

  test('the channel profile has the utility and the retailer, and the orderer org', () => {
    expect(app.Organizations.map((o: { ID: string }) => o.ID)).toEqual(['UtilityMSP', 'RetailerMSP']);
    expect(profile.Orderer.Organizations.map((o: { ID: string }) => o.ID)).toEqual(['OrdererMSP']);
  });

  test('application capabilities V2_5, single etcdraft consenter on loopback', () => {
    expect(app.Capabilities).toEqual({ V2_5: true });
    expect(profile.Orderer.OrdererType).toBe('etcdraft');
    expect(profile.Orderer.EtcdRaft.Consenters).toHaveLength(1);
    expect(profile.Orderer.EtcdRaft.Consenters[0]).toMatchObject({ Host: '127.0.0.1', Port: 7050 });
  });

  test('chaincode endorsement and lifecycle need a majority of the orgs', () => {
    expect(app.Policies.Endorsement).toEqual({ Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' });
    expect(app.Policies.LifecycleEndorsement).toEqual({ Type: 'ImplicitMeta', Rule: 'MAJORITY Endorsement' });
  });

  test('anchor peers are in the genesis profile, on loopback', () => {
    const anchors = Object.fromEntries(
      app.Organizations.map((o: { ID: string; AnchorPeers: unknown[] }) => [o.ID, o.AnchorPeers]),
    );
    expect(anchors).toEqual({
      UtilityMSP: [{ Host: '127.0.0.1', Port: 7051 }],
      RetailerMSP: [{ Host: '127.0.0.1', Port: 9051 }],
    });
  });

  test('every org has an Endorsement policy over its peers', () => {
    for (const org of app.Organizations as { ID: string; Policies: Record<string, { Rule: string }> }[]) {
      expect(org.Policies.Endorsement?.Rule).toBe(`OR('${org.ID}.peer')`);
    }
  });
});

describe('network definition files', () => {
  test('the endorsement policy used at approve needs both orgs', () => {
    expect(readFileSync(path.join(networkDir, 'endorsement-policy.txt'), 'utf8').trim()).toBe(
      "AND('UtilityMSP.peer','RetailerMSP.peer')",
    );
  });

  test('each CA config enables TLS, names its CA, and lets the registrar grant attributes', () => {
    const expected = { utility: ['ca-utility', 7054], retailer: ['ca-retailer', 8054], orderer: ['ca-orderer', 9054] };
    for (const [org, [caName, port]] of Object.entries(expected)) {
      const ca = YAML.parse(readFileSync(path.join(networkDir, 'fabric-ca', org, 'fabric-ca-server-config.yaml'), 'utf8'));
      expect(ca.ca.name).toBe(caName);
      expect(ca.port).toBe(port);
      expect(ca.tls.enabled).toBe(true);
      expect(ca.csr.hosts).toContain('127.0.0.1');
      expect(ca.signing.profiles.tls.usage).toContain('server auth');
      expect(ca.registry.identities[0].attrs['hf.Registrar.Attributes']).toBe('*');
    }
  });

  test('NodeOUs are enabled for the MSPs and in the cryptogen alternative', () => {
    const ous = YAML.parse(readFileSync(path.join(networkDir, 'msp/config.yaml'), 'utf8'));
    expect(ous.NodeOUs.Enable).toBe(true);
    expect(ous.NodeOUs.PeerOUIdentifier.OrganizationalUnitIdentifier).toBe('peer');
    const cryptogen = YAML.parse(readFileSync(path.join(networkDir, 'crypto-config.yaml'), 'utf8'));
    for (const org of [...cryptogen.OrdererOrgs, ...cryptogen.PeerOrgs]) {
      expect(org.EnableNodeOUs).toBe(true);
      expect(org.Specs?.[0]?.SANS ?? org.Template?.SANS).toContain('127.0.0.1');
    }
  });

  test('the connection template has the shared format, with TLS and CA paths under the work dir', () => {
    const profile = JSON.parse(readFileSync(path.join(networkDir, 'connection.template.json'), 'utf8'));
    expect(profile).toMatchObject({
      kind: 'fabric',
      channel: 'energy',
      chaincode: 'gridshare',
      roles: { utility: 'UtilityMSP', retailers: ['RetailerMSP'], auditors: [] },
    });
    for (const msp of ['UtilityMSP', 'RetailerMSP']) {
      const org = profile.organizations[msp];
      expect(org.mspId).toBe(msp);
      expect(org.peer.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(org.peer.tlsCaCertPath).toMatch(/^\$\{WORK_DIR\}\/crypto\//);
      expect(org.ca.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(org.ca.registrar).toEqual({ enrollmentId: 'admin', enrollmentSecret: 'adminpw' });
    }
  });
});

describe('private data collections (chaincode/)', () => {
  const cases: [string, string[]][] = [
    ['collections_config.json', ['RetailerMSP', 'UtilityMSP']],
    ['collections_config.fabric-samples.json', ['Org1MSP', 'Org2MSP']],
  ];
  test.each(cases)('%s is valid and shares the retailer collection with %p', (file, members) => {
    const collections = JSON.parse(readFileSync(path.join(repo, 'chaincode', file), 'utf8'));
    expect(Array.isArray(collections)).toBe(true);
    for (const c of collections) {
      expect(typeof c.name).toBe('string');
      expect(typeof c.policy).toBe('string');
      expect(Number.isInteger(c.requiredPeerCount) && Number.isInteger(c.maxPeerCount)).toBe(true);
    }
    const names = collections.map((c: { name: string }) => c.name);
    expect(names.some((n: string) => n.endsWith('PrivateCollection'))).toBe(true);
    const policies = collections.map((c: { policy: string }) => c.policy).join(' ');
    for (const msp of members) expect(policies).toContain(`'${msp}.`);
  });
});

describe('fabric-samples/deploy.sh against a recording stand-in for test-network/network.sh', () => {
  let samples: string;
  let out: string;
  beforeAll(() => {
    samples = mkdtempSync(path.join(tmpdir(), 'gridshare-samples-'));
    const testNetwork = path.join(samples, 'test-network');
    for (const org of ['org1', 'org2']) {
      mkdirSync(path.join(testNetwork, `organizations/peerOrganizations/${org}.example.com/tlsca`), { recursive: true });
      writeFileSync(path.join(testNetwork, `organizations/peerOrganizations/${org}.example.com/tlsca/tlsca.${org}.example.com-cert.pem`), 'x');
      mkdirSync(path.join(testNetwork, `organizations/fabric-ca/${org}`), { recursive: true });
      writeFileSync(path.join(testNetwork, `organizations/fabric-ca/${org}/ca-cert.pem`), 'x');
    }
    writeFileSync(path.join(testNetwork, 'network.sh'), '#!/bin/sh\nprintf "%s\\n" "$*" >> calls.log\n', { mode: 0o755 });
    writeFileSync(path.join(samples, 'collections.json'), '[]');
    out = path.join(samples, 'connection.json');
  });
  afterAll(() => rmSync(samples, { recursive: true, force: true }));

  test('brings the network up with CAs, deploys with collections and both orgs, writes the connection file', () => {
    const result = run('bash', [path.join(scriptsDir, 'fabric-samples/deploy.sh'), '--up'], {
      PATH: process.env.PATH,
      FABRIC_SAMPLES: samples,
      GRIDSHARE_COLLECTIONS_CONFIG: path.join(samples, 'collections.json'),
      GRIDSHARE_CONNECTION_FILE: out,
    });
    expect(result.stderr).not.toContain('ERROR');
    expect(result.status).toBe(0);
    const calls = readFileSync(path.join(samples, 'test-network/calls.log'), 'utf8').trim().split('\n');
    expect(calls[0]).toBe('up createChannel -c energy -ca');
    expect(calls[1]).toBe(
      `deployCC -c energy -ccn gridshare -ccp ${path.join(repo, 'chaincode')} -ccs 1 ` +
        `-cccg ${path.join(samples, 'collections.json')} -ccep AND('Org1MSP.peer','Org2MSP.peer') -ccl typescript`,
    );
    const profile = JSON.parse(readFileSync(out, 'utf8'));
    expect(profile.roles).toEqual({ utility: 'Org1MSP', retailers: ['Org2MSP'], auditors: [] });
    expect(profile.organizations.Org2MSP.peer.tlsCaCertPath).toBe(
      path.join(samples, 'test-network/organizations/peerOrganizations/org2.example.com/tlsca/tlsca.org2.example.com-cert.pem'),
    );
    expect(profile.organizations.Org2MSP.ca.url).toBe('https://localhost:8054');
  });
});
