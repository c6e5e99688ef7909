/** Prints the README's configuration table from src/config.ts (npm run docs:config). */
import { configVariables } from '../src/config.ts';

console.log('| variable | default | meaning |\n| --- | --- | --- |');
const cell = (text: string) => text.replaceAll('|', '\\|');
for (const v of configVariables) console.log(`| \`${v.name}\` | ${cell(v.default)} | ${cell(v.description)} |`);
