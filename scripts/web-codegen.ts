/**
 * The console's typed GraphQL documents (`npm run web:codegen`, checked by test/web/codegen.test.ts).
 *
 * Why not `graphql-codegen` (@graphql-codegen/cli): its command line pulls in listr2, inquirer and the
 * URL/GitHub/Apollo schema loaders, whose current versions declare Node >= 22.13 or >= 22.15, so
 * `npm install` warned (EBADENGINE) on Node 20. This console needs none of that: one local schema
 * file and the `graphql(...)` calls in web/src. This driver does what the CLI does for that case,
 * with the same packages underneath (@graphql-codegen/core and the client preset, graphql-tools'
 * loaders, with the CLI's load options), so its output is the CLI's byte for byte.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { codegen } from '@graphql-codegen/core';
import { getCachedDocumentNodeFromSchema, normalizeImportExtension } from '@graphql-codegen/plugin-helpers';
import { CodeFileLoader } from '@graphql-tools/code-file-loader';
import { GraphQLFileLoader } from '@graphql-tools/graphql-file-loader';
import { loadDocuments, loadSchema } from '@graphql-tools/load';
import config from '../web/codegen';

const root = path.resolve(__dirname, '..');

export interface GeneratedFile {
  filename: string;
  content: string;
}

/** Every file the config generates, relative to the repository root; nothing is written. */
export async function generateConsoleDocuments(): Promise<GeneratedFile[]> {
  const files: GeneratedFile[] = [];
  const schemaAst = await loadSchema(config.schema, {
    cwd: root,
    loaders: [new GraphQLFileLoader()],
    // The CLI's defaultSchemaLoadOptions.
    assumeValidSDL: true, sort: true, convertExtensions: true, includeSources: true,
  });
  const schema = getCachedDocumentNodeFromSchema(schemaAst);
  for (const [baseOutputDir, output] of Object.entries(config.generates)) {
    const { preset, presetConfig = {}, config: outputConfig = {} } = output;
    const pointers = preset.prepareDocuments ? await preset.prepareDocuments(baseOutputDir, config.documents) : config.documents;
    const documents = await loadDocuments(pointers, {
      cwd: root,
      loaders: [new CodeFileLoader({ pluckConfig: { skipIndent: true } })],
      // The CLI's defaultDocumentsLoadOptions.
      sort: true, skipGraphQLImport: true,
    });
    const importExtension = normalizeImportExtension({ emitLegacyCommonJSImports: undefined, importExtension: undefined });
    const mergedConfig = { ...outputConfig, importExtension, emitLegacyCommonJSImports: true };
    const sections = await preset.buildGeneratesSection({
      baseOutputDir, presetConfig, plugins: [], schema, schemaAst, documents, config: mergedConfig, pluginMap: {}, documentTransforms: [],
    });
    for (const section of sections) {
      files.push({ filename: section.filename, content: await codegen({ ...section, importExtension, emitLegacyCommonJSImports: true }) });
    }
  }
  return files;
}

if (require.main === module) {
  generateConsoleDocuments().then((files) => {
    for (const { filename, content } of files) {
      mkdirSync(path.dirname(path.join(root, filename)), { recursive: true });
      writeFileSync(path.join(root, filename), content);
      console.log(`wrote ${filename}`);
    }
  }).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
