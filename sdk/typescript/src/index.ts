export { SessionsGateway, DEFAULT_BASE_URL, type ClientOptions } from './client.js';
export {
  SessionsGatewayError,
  BadRequestError,
  AuthenticationError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  ConnectionError,
  WaitTimeoutError,
} from './errors.js';
export type { RequestOptions } from './transport.js';
export type { WaitForOptions } from './resources/waits.js';
export type { SessionEventsParams } from './event-stream.js';
export type { WaitForMailOptions } from './resources/inboxes.js';
export type { Sessions } from './resources/sessions.js';
export type { Inboxes } from './resources/inboxes.js';
export type { Waits } from './resources/waits.js';
export type { Messages } from './resources/messages.js';
export type * from './types.js';
export type { paths, components, operations } from './generated/openapi.js';
