/**
 * The gateway's identity layer: a file-backed store of users' Fabric identities, fast low-S
 * signers, a Fabric CA client, and enrollment that works the same for the dev CA and Fabric CA.
 */
export { FileIdentityStore, registrarStoreId } from './store';
export type { IdentityStore, PendingRegistration, PendingRegistrationStore, RegistrarStore, StoredIdentity, StoredRegistrar } from './store';
export { FabricCaClient, authToken } from './ca-client';
export type { CaInfo, Enrollment, FabricCaClientOptions, RegistrarCredentials, RegistrationRequest } from './ca-client';
export { Enroller } from './enroller';
export type { CaOrganizations, EnrollUserOptions } from './enroller';
export { CertificateRenewal, certificateExpiry, DEFAULT_RENEW_WITHIN_MS, DEFAULT_RECHECK_MS } from './renewal';
export type { CertificateRenewalOptions, CertificateRenewer } from './renewal';
export { newFastSigner, toLowS, decodeDerSignature, encodeDerSignature, P256_ORDER } from './signer';
export { newKeyAndCsr, csrForKey } from './csr';
export type { KeyAndCsr } from './csr';
export { USER_ROLES, caRegistrationFor, isUserRole } from './roles';
export type { UserRole, CaAttribute, CaRegistrationProfile } from './roles';
export { IdentityError, identityExpired, FabricCaError, FabricCaConnectionError, CA_CODE_ALREADY_REGISTERED } from './errors';
export type { IdentityErrorCode, CaErrorDetail } from './errors';
