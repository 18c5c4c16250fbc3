import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../web/codegen';

const root = path.resolve(__dirname, '../..');

describe('console typed documents (web/src/gql)', () => {
  it('are what `npm run web:codegen` makes from schema.graphql and the console operations', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const outputs: Array<{ filename: string; content: string }> = await generate({ ...config, silent: true }, false);
      expect(outputs.length).toBeGreaterThan(0);
      for (const { filename, content } of outputs) {
        const onDisk = readFileSync(path.resolve(root, filename), 'utf8');
        expect(onDisk, `${filename} is stale: run npm run web:codegen`).toBe(content);
      }
    } finally {
      process.chdir(cwd);
    }
  });
});
