import { readFileSync } from 'fs';
import { join } from 'path';
import { SETTING_NAMES } from '../lib/config';

// GIVEN the README's "Presets and configuration" section  THEN it names every setting a config file may give.
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Presets and configuration'), readme.indexOf('## CI and reviewing manifest changes'));

describe.each(['storage', 'mehdb'] as const)('README lists every %s setting', (sectionName) => {
  test.each(SETTING_NAMES[sectionName])('%s', (name) => {
    const inBraceList = new RegExp(`\`${sectionName}\\.\\{[^}]*\\b${name}\\b`).test(section);
    const inTable = section.includes(`| \`${sectionName}.${name}\``) || section.includes(`, \`${sectionName}.${name}\``);
    expect(inBraceList || inTable).toBe(true);
  });
});
