import * as grpc from '@grpc/grpc-js';
import { connect, hash } from '@hyperledger/fabric-gateway';
import { DEFAULT_GRPC_MAX_MESSAGE_BYTES } from '../src/config';
import { peerChannelOptions } from '../src/fabric/connections';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { UTILITY } from './helpers/world';

/**
 * Messages above grpc-js's 4 MB default. Clearing 10,000 orders is endorsed into a ~8 MB prepared
 * transaction; what makes the endorsement large does not matter to gRPC, so this builds one cheaply:
 * a `market:ListOrders` query padded with 5 MB of JSON whitespace (which the chaincode parses
 * away). Fabric's prepared transaction carries the proposal's arguments, so the peer's endorse
 * response is > 5 MB, and the transaction is then submitted (> 5 MB sent) and committed.
 */
const GRPC_JS_DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;
const paddedQuery = `${' '.repeat(5 * 1024 * 1024)}{}`;

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
}, 120_000);
afterAll(async () => gw?.close());

it('sends and receives Fabric messages of up to 100 MB by default', () => {
  expect(DEFAULT_GRPC_MAX_MESSAGE_BYTES).toBe(100 * 1024 * 1024);
  expect(gw.config.grpcMaxMessageBytes).toBe(DEFAULT_GRPC_MAX_MESSAGE_BYTES);
  expect(peerChannelOptions(gw.config.grpcMaxMessageBytes)).toEqual({
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
    'grpc.max_send_message_length': 100 * 1024 * 1024,
  });
});

it('endorses, submits and commits a transaction whose endorse response exceeds 4 MB', async () => {
  const result = await gw.app.gridshare.ledger.submit<{ orders: unknown[] }>(UTILITY, 'market', 'ListOrders', { args: [paddedQuery] });
  expect(result).toEqual({ orders: [] });
}, 60_000);

it('fails the same endorsement with RESOURCE_EXHAUSTED on a gRPC client left at the grpc-js defaults', async () => {
  const { config, identities } = gw.app.gridshare;
  const [identity, signer] = await Promise.all([identities.identityFor(UTILITY), identities.signerFor(UTILITY)]);
  const endpoint = config.network.organizations[identity.mspId]!.peer.endpoint;
  const client = new grpc.Client(endpoint, grpc.credentials.createInsecure());
  const gateway = connect({ client, identity, signer, hash: hash.none });
  try {
    const contract = gateway.getNetwork(config.network.channel).getContract(config.network.chaincode, 'market');
    const refused = await contract.submitAsync('ListOrders', { arguments: [paddedQuery] }).then(
      () => undefined,
      (err: unknown) => err as { code?: number; message?: string },
    );
    expect(refused).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    expect(refused?.message).toMatch(new RegExp(`Received message larger than max \\(\\d+ vs ${GRPC_JS_DEFAULT_MAX_RECEIVE}\\)`));
  } finally {
    gateway.close();
    client.close();
  }
}, 60_000);
