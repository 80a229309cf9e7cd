/**
 * node:dgram transport for the sans-IO engine: `connect()` for clients and
 * `createDtlsServer()` for many peers on one socket.
 */
export { type ConnectOptions, connect } from './client.js';
export {
  type DtlsAlertInfo,
  type DtlsCloseInfo,
  DtlsConnection,
  type DtlsConnectionInfo,
  DtlsHandshakeError,
  type RemoteAddress,
} from './connection.js';
export { createDtlsServer, DtlsServer, type DtlsServerOptions, type DtlsServerStats } from './server.js';
