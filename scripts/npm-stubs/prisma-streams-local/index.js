'use strict';
// Loaded only by `prisma dev` (Prisma's local Postgres server), which this project does not use.
throw new Error('@prisma/streams-local is stubbed in sessions-gateway (package.json "overrides"): `prisma dev` is not supported here. See scripts/npm-stubs/README.md.');
