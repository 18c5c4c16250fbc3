import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateConsoleDocuments } from '../../scripts/web-codegen';

const root = path.resolve(__dirname, '../..');

describe('console typed documents (web/src/gql)', () => {
  it('are what `npm run web:codegen` makes from schema.graphql and the console operations', async () => {
    const outputs = await generateConsoleDocuments();
    expect(outputs.map((o) => o.filename).sort()).toEqual(['web/src/gql/gql.ts', 'web/src/gql/graphql.ts', 'web/src/gql/index.ts']);
    for (const { filename, content } of outputs) {
      const onDisk = readFileSync(path.resolve(root, filename), 'utf8');
      expect(onDisk, `${filename} is stale: run npm run web:codegen`).toBe(content);
    }
  });
});
