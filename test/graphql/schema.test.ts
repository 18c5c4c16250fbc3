import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, printSchema, lexicographicSortSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getMetadataStorage } from 'type-graphql';
import { getSchema, printSchemaSdl } from '../../src/graphql/schema';

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

  it('object types read plain fields with the default resolver (simpleResolvers): no per-field wrapper', () => {
    getSchema();
    const types = getMetadataStorage().objectTypes;
    expect(types.length).toBeGreaterThan(5);
    expect(types.filter((t) => t.simpleResolvers !== true).map((t) => t.name)).toEqual([]);
    // Field resolvers (inboxes, timeline, …) keep theirs; a plain field has none.
    const session = getSchema().getType('Session') as import('graphql').GraphQLObjectType;
    expect(session.getFields().name.resolve).toBeUndefined();
    expect(session.getFields().inboxes.resolve).toBeTypeOf('function');
  });
});
