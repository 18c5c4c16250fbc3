import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, printSchema, lexicographicSortSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl } from '../../src/graphql/schema';

const file = join(__dirname, '..', '..', 'schema.graphql');

describe('schema.graphql', () => {
  it('is what the code-first schema prints (run `npm run schema:emit` after changing types)', () => {
    expect(readFileSync(file, 'utf8')).toBe(printSchemaSdl());
  });

  it('is a valid, sorted schema with the documented session operations', () => {
    const sdl = readFileSync(file, 'utf8');
    const schema = buildSchema(sdl);
    expect(`${printSchema(lexicographicSortSchema(schema))}\n`).toBe(printSchemaSdl());
    expect(Object.keys(schema.getQueryType()!.getFields())).toEqual(expect.arrayContaining(['session', 'sessions']));
    expect(Object.keys(schema.getMutationType()!.getFields())).toEqual(
      expect.arrayContaining(['createSession', 'completeSession', 'failSession', 'replaySession']),
    );
  });
});
