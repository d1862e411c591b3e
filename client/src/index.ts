export { LatchkeyClient, type LatchkeyClientOptions, type SignedIn, type SignedOutReason, type Tokens } from './client.ts';
export {
  FAILURE_CODES, REQUEST_ERROR_CODES,
  type Failure, type FailureCode, type LatchkeyError, type LatchkeyErrorCode, type NetworkError, type RequestError,
  type RequestErrorCode, type Result, type UnauthenticatedReason,
} from './errors.ts';
export type { DocumentMode } from './transport.ts';
export * from './gql/graphql.ts';
