import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's version, from package.json (src/common and dist/common are both two levels below it). */
export const VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
