import * as grpc from '@grpc/grpc-js';
import { gateway, google } from '@hyperledger/fabric-protos';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { DevLedgerError } from '../errors';
import { WireFormatError } from '../protobuf/wire';

export interface EndpointDetail {
  address: string;
  mspId: string;
  message: string;
}

/**
 * A gRPC error carrying gateway.ErrorDetail entries in a google.rpc.Status in the
 * grpc-status-details-bin trailer, which fabric-gateway exposes as `error.details`.
 */
export function rpcError(code: grpc.status, message: string, details: EndpointDetail[] = []): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (details.length > 0) {
    const status = new google.rpc.Status();
    status.setCode(code);
    status.setMessage(message);
    status.setDetailsList(
      details.map((d) => {
        const detail = new gateway.ErrorDetail();
        detail.setAddress(d.address);
        detail.setMspId(d.mspId);
        detail.setMessage(d.message);
        const any = new Any();
        any.pack(detail.serializeBinary(), 'gateway.ErrorDetail');
        return any;
      }),
    );
    metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  }
  return Object.assign(new Error(message), { code, details: message, metadata });
}

/** gRPC code for errors raised before or outside chaincode execution. */
export function statusFor(error: unknown): grpc.status {
  if (error instanceof WireFormatError) return grpc.status.INVALID_ARGUMENT;
  if (!(error instanceof DevLedgerError)) return grpc.status.UNAVAILABLE;
  switch (error.code) {
    case 'INVALID_ARGUMENT':
      return grpc.status.INVALID_ARGUMENT;
    case 'NOT_FOUND':
      return grpc.status.NOT_FOUND;
    case 'BAD_SIGNATURE':
    case 'BAD_IDENTITY':
      return grpc.status.PERMISSION_DENIED;
    case 'CANCELLED':
      return grpc.status.CANCELLED;
    case 'CHAINCODE_UNAVAILABLE':
      return grpc.status.UNAVAILABLE;
    default:
      return grpc.status.FAILED_PRECONDITION;
  }
}
