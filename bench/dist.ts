/**
 * The benchmark uses the production build (dist/, from `npm run build`), not the sources: the code it
 * measures is the code that ships. Types come from src/ (type-only imports, erased at run time).
 */
import type * as AppModule from '../src/app';
import type * as ClientModule from '../src/db/client';
import type * as ConfigModule from '../src/config';
import type * as IdsModule from '../src/db/ids';
import type * as ClockModule from '../src/common/clock';
import type * as SchemaModule from '../src/graphql/schema';
import type * as ContextModule from '../src/graphql/context';
import type * as AuthenticateModule from '../src/auth/authenticate';

export type { App } from '../src/app';
export type { Database } from '../src/db/client';

export const dist = {
  app: () => require('../dist/app.js') as typeof AppModule,
  client: () => require('../dist/db/client.js') as typeof ClientModule,
  config: () => require('../dist/config.js') as typeof ConfigModule,
  ids: () => require('../dist/db/ids.js') as typeof IdsModule,
  clock: () => require('../dist/common/clock.js') as typeof ClockModule,
  schema: () => require('../dist/graphql/schema.js') as typeof SchemaModule,
  context: () => require('../dist/graphql/context.js') as typeof ContextModule,
  authenticate: () => require('../dist/auth/authenticate.js') as typeof AuthenticateModule,
};
