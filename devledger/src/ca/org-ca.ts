/**
 * The Fabric CA operations of one organisation's CA: register, enroll, reenroll and cainfo,
 * with Fabric CA's authorization rules for registrars (hf.Registrar.Roles / .Attributes).
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CertificateAuthority } from './authority';
import type { BasicCredentials, TokenCaller } from './auth';
import { badRequest, CaErrorCode, CaHttpError, forbidden, unauthenticated } from './errors';
import { IdentityRegistry, type IdentityRecord, type RegisteredAttribute } from './registry';

const IDENTITY_TYPES = ['client', 'admin', 'peer', 'orderer'] as const;
const ENROLLMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
const AFFILIATION = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_ATTRIBUTE_VALUE = 1024;
const MAX_SECRET = 256;

/** Set by the CA itself on every identity; a registrar cannot choose them. */
const RESERVED_ATTRIBUTES = new Set(['hf.EnrollmentID', 'hf.Type', 'hf.Affiliation']);
/** The privileges Fabric CA expresses as attributes; a registrar may only pass on what it holds. */
const PRIVILEGE_ATTRIBUTES = new Set([
  'hf.Registrar.Roles',
  'hf.Registrar.DelegateRoles',
  'hf.Registrar.Attributes',
  'hf.Revoker',
  'hf.GenCRL',
  'hf.AffiliationMgr',
  'hf.IntermediateCA',
]);

export const CA_SERVER_VERSION = '1.5.0-gridshare-dev';

export interface RegistrationResult {
  secret: string;
}

export interface ServerInfo {
  CAName: string;
  CAChain: string;
  IssuerPublicKey: string;
  IssuerRevocationPublicKey: string;
  Version: string;
}

export interface EnrollmentResult {
  Cert: string;
  ServerInfo: ServerInfo;
}

export class OrgCa {
  private constructor(
    readonly authority: CertificateAuthority,
    private readonly registry: IdentityRegistry,
  ) {}

  get caName(): string {
    return this.authority.caName;
  }

  static async open(dataDir: string, caName: string): Promise<OrgCa> {
    const dir = path.join(dataDir, 'ca', caName);
    const authority = await CertificateAuthority.openOrCreate(dir, caName);
    const registry = await IdentityRegistry.open(path.join(dir, 'registry.json'));
    return new OrgCa(authority, registry);
  }

  /** Registers the bootstrap registrar on first start; later starts only refresh its secret. */
  async bootstrap(enrollmentId: string, secret: string): Promise<void> {
    if (this.registry.get(enrollmentId)) {
      if (!(await this.registry.secretMatches(enrollmentId, secret))) await this.registry.setSecret(enrollmentId, secret);
      return;
    }
    const privileges: RegisteredAttribute[] = [
      { name: 'hf.Registrar.Roles', value: '*', ecert: false },
      { name: 'hf.Registrar.DelegateRoles', value: '*', ecert: false },
      { name: 'hf.Registrar.Attributes', value: '*', ecert: false },
      { name: 'hf.Revoker', value: 'true', ecert: false },
      { name: 'hf.GenCRL', value: 'true', ecert: false },
      { name: 'hf.AffiliationMgr', value: 'true', ecert: false },
      { name: 'hf.IntermediateCA', value: 'true', ecert: false },
    ];
    await this.registry.add(
      { id: enrollmentId, type: 'client', affiliation: '', maxEnrollments: -1, attrs: withIdentityAttributes(enrollmentId, 'client', '', privileges) },
      secret,
    );
  }

  info(): ServerInfo {
    return {
      CAName: this.caName,
      CAChain: Buffer.from(this.authority.certificatePem).toString('base64'),
      IssuerPublicKey: '',
      IssuerRevocationPublicKey: '',
      Version: CA_SERVER_VERSION,
    };
  }

  async register(caller: TokenCaller, body: Record<string, unknown>): Promise<RegistrationResult> {
    const request = parseRegistration(body);
    const registrar = this.registry.get(caller.enrollmentId);
    if (!registrar) throw forbidden(`Authorization failure: caller '${caller.enrollmentId}' is not a registered identity`);
    authorizeRegistration(registrar, request.type, request.attrs);

    const secret = request.secret ?? randomBytes(12).toString('base64url');
    const added = await this.registry.add(
      {
        id: request.id,
        type: request.type,
        affiliation: request.affiliation,
        maxEnrollments: request.maxEnrollments,
        attrs: withIdentityAttributes(request.id, request.type, request.affiliation, request.attrs),
      },
      secret,
    );
    if (!added) {
      throw new CaHttpError(409, CaErrorCode.IdentityAlreadyRegistered, `Identity '${request.id}' is already registered`);
    }
    return { secret };
  }

  async enroll(credentials: BasicCredentials, body: Record<string, unknown>): Promise<EnrollmentResult> {
    if (!(await this.registry.secretMatches(credentials.enrollmentId, credentials.secret))) {
      throw unauthenticated('Authentication failure');
    }
    const identity = this.registry.get(credentials.enrollmentId)!;
    // Issue before counting, so a bad request does not use up one of the identity's enrollments.
    const certificatePem = await this.issueFor(identity, body);
    if (!(await this.registry.recordEnrollment(identity.id))) {
      throw unauthenticated(
        `Authentication failure: identity '${identity.id}' has reached its maximum of ${identity.maxEnrollments} enrollment(s)`,
      );
    }
    return { Cert: Buffer.from(certificatePem).toString('base64'), ServerInfo: this.info() };
  }

  /** Renews the caller's certificate for a new key; does not count toward max_enrollments. */
  async reenroll(caller: TokenCaller, body: Record<string, unknown>): Promise<EnrollmentResult> {
    const identity = this.registry.get(caller.enrollmentId);
    if (!identity) throw unauthenticated(`Authentication failure: '${caller.enrollmentId}' is not a registered identity`);
    const certificatePem = await this.issueFor(identity, body);
    return { Cert: Buffer.from(certificatePem).toString('base64'), ServerInfo: this.info() };
  }

  private issueFor(identity: IdentityRecord, body: Record<string, unknown>): Promise<string> {
    const csrPem = body['certificate_request'];
    if (typeof csrPem !== 'string' || csrPem.length === 0) {
      throw badRequest('certificate_request (a PEM-encoded PKCS#10 request) is required', CaErrorCode.BadCsr);
    }
    return this.authority.issue({
      enrollmentId: identity.id,
      type: identity.type,
      affiliation: identity.affiliation,
      attrs: certificateAttributes(identity, body['attr_reqs']),
      csrPem,
    });
  }
}

interface RegistrationRequest {
  id: string;
  type: string;
  secret?: string;
  affiliation: string;
  attrs: RegisteredAttribute[];
  maxEnrollments: number;
}

function parseRegistration(body: Record<string, unknown>): RegistrationRequest {
  const { id, type, secret, affiliation, attrs, max_enrollments: maxEnrollments } = body;
  if (typeof id !== 'string' || !ENROLLMENT_ID.test(id)) {
    throw badRequest("id must be 1-128 characters of letters, digits and '.', '_', '@', '-', starting with a letter or digit");
  }
  const identityType = type === undefined || type === '' ? 'client' : type;
  if (typeof identityType !== 'string' || !(IDENTITY_TYPES as readonly string[]).includes(identityType)) {
    throw badRequest(`type must be one of ${IDENTITY_TYPES.join(', ')}`);
  }
  if (secret !== undefined && secret !== '' && (typeof secret !== 'string' || secret.length > MAX_SECRET)) {
    throw badRequest(`secret must be a string of at most ${MAX_SECRET} characters`);
  }
  const normalisedAffiliation = affiliation === undefined || affiliation === '.' ? '' : affiliation;
  if (typeof normalisedAffiliation !== 'string' || (normalisedAffiliation !== '' && !AFFILIATION.test(normalisedAffiliation))) {
    throw badRequest("affiliation must be '' or dot-separated names such as 'org1.department1'");
  }
  let limit = -1;
  if (maxEnrollments !== undefined && maxEnrollments !== 0) {
    if (typeof maxEnrollments !== 'number' || !Number.isSafeInteger(maxEnrollments) || maxEnrollments < -1) {
      throw badRequest('max_enrollments must be an integer: -1 or 0 for unlimited, or a positive limit');
    }
    limit = maxEnrollments;
  }
  return {
    id,
    type: identityType,
    secret: typeof secret === 'string' && secret !== '' ? secret : undefined,
    affiliation: normalisedAffiliation,
    attrs: parseAttributes(attrs),
    maxEnrollments: limit,
  };
}

function parseAttributes(attrs: unknown): RegisteredAttribute[] {
  if (attrs === undefined || attrs === null) return [];
  if (!Array.isArray(attrs)) throw badRequest('attrs must be an array of {name, value, ecert}');
  const seen = new Set<string>();
  return attrs.map((attr: unknown) => {
    const { name, value, ecert } = (attr ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !ATTRIBUTE_NAME.test(name)) {
      throw badRequest("each attribute needs a name of letters, digits, '.', '_' or '-'");
    }
    if (typeof value !== 'string' || value.length > MAX_ATTRIBUTE_VALUE) {
      throw badRequest(`attribute '${name}' needs a string value of at most ${MAX_ATTRIBUTE_VALUE} characters`);
    }
    if (ecert !== undefined && typeof ecert !== 'boolean') throw badRequest(`attribute '${name}': ecert must be a boolean`);
    if (seen.has(name)) throw badRequest(`attribute '${name}' is given twice`);
    seen.add(name);
    return { name, value, ecert: ecert === true };
  });
}

function attributeValue(identity: IdentityRecord, name: string): string | undefined {
  return identity.attrs.find((attr) => attr.name === name)?.value;
}

function listValue(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** Fabric CA's rules: the registrar must hold hf.Registrar.Roles covering the type and may only grant what it may. */
function authorizeRegistration(registrar: IdentityRecord, type: string, attrs: RegisteredAttribute[]): void {
  const roles = listValue(attributeValue(registrar, 'hf.Registrar.Roles'));
  if (roles.length === 0) throw forbidden(`Authorization failure: '${registrar.id}' is not a registrar`);
  if (!roles.includes('*') && !roles.includes(type)) {
    throw forbidden(`Authorization failure: registrar '${registrar.id}' may not register identities of type '${type}'`);
  }
  const grantable = listValue(attributeValue(registrar, 'hf.Registrar.Attributes'));
  for (const attr of attrs) {
    if (RESERVED_ATTRIBUTES.has(attr.name)) {
      throw badRequest(`Attribute '${attr.name}' is set by the CA and cannot be registered`, CaErrorCode.RegisterAttributeNotAllowed);
    }
    const allowed = grantable.some((pattern) =>
      pattern === '*' || pattern === attr.name || (pattern.endsWith('*') && attr.name.startsWith(pattern.slice(0, -1))),
    );
    if (!allowed) {
      throw new CaHttpError(403, CaErrorCode.RegisterAttributeNotAllowed, `Registrar '${registrar.id}' may not register attribute '${attr.name}'`);
    }
    if (PRIVILEGE_ATTRIBUTES.has(attr.name)) authorizePrivilege(registrar, attr);
  }
}

function authorizePrivilege(registrar: IdentityRecord, attr: RegisteredAttribute): void {
  const held = attributeValue(registrar, attr.name);
  const notHeld = (): CaHttpError =>
    new CaHttpError(403, CaErrorCode.RegisterAttributeNotAllowed, `Registrar '${registrar.id}' cannot grant '${attr.name}=${attr.value}' beyond its own`);
  if (held === undefined) throw notHeld();
  if (attr.name.startsWith('hf.Registrar.')) {
    const own = listValue(held);
    if (!own.includes('*') && !listValue(attr.value).every((item) => own.includes(item))) throw notHeld();
  } else if (attr.value === 'true' && held !== 'true') {
    throw notHeld();
  }
}

/** Every identity carries its enrollment ID, type and affiliation as ecert attributes, as in Fabric CA. */
function withIdentityAttributes(id: string, type: string, affiliation: string, attrs: RegisteredAttribute[]): RegisteredAttribute[] {
  return [
    ...attrs,
    { name: 'hf.EnrollmentID', value: id, ecert: true },
    { name: 'hf.Type', value: type, ecert: true },
    { name: 'hf.Affiliation', value: affiliation, ecert: true },
  ];
}

/** The ecert attributes by default; with attr_reqs exactly the requested ones (optional ones if held). */
function certificateAttributes(identity: IdentityRecord, attrRequests: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (attrRequests === undefined || attrRequests === null) {
    for (const attr of identity.attrs) if (attr.ecert) result[attr.name] = attr.value;
    return result;
  }
  if (!Array.isArray(attrRequests)) throw badRequest('attr_reqs must be an array of {name, optional}');
  for (const request of attrRequests as unknown[]) {
    const { name, optional } = (request ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string') throw badRequest('each attr_reqs entry needs a name');
    const value = attributeValue(identity, name);
    if (value !== undefined) result[name] = value;
    else if (optional !== true) throw badRequest(`Identity '${identity.id}' does not have attribute '${name}'`);
  }
  return result;
}
