// Writes schema.graphql from the code-first schema. A test fails when the checked-in file is stale.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchemaSdl } from '../src/graphql/schema';

const file = join(__dirname, '..', 'schema.graphql');
writeFileSync(file, printSchemaSdl());
console.log(`wrote ${file}`);
