// GIVEN the config's schema and the props interfaces  THEN the generated docs are current:
// the JSON Schema of config files and the settings table of docs/settings.md (`npm run docs:settings`).
import { readFileSync } from 'fs';
import { configJsonSchema, README_FILE as SETTINGS_FILE, readmeWithTable, SCHEMA_FILE, settingsTable } from '../scripts/settings-docs';

const schema = configJsonSchema();

test('docs/mehdb-config.schema.json is generated from the schema (run `npm run docs:settings`)', () => {
  expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(schema);
});

test('the settings table of docs/settings.md is generated from the schema (run `npm run docs:settings`)', () => {
  const page = readFileSync(SETTINGS_FILE, 'utf8');
  expect(page).toEqual(readmeWithTable(page, settingsTable(schema)));
});

describe.each(['storage', 'mehdb'])('every %s setting has its row, its type and its documentation', (section) => {
  const properties = schema.properties[section].properties as Record<string, { description?: string }>;
  test.each(Object.keys(properties))('%s', (name) => {
    expect(properties[name].description).toMatch(/\w/);
    expect(settingsTable(schema)).toContain(`| \`${section}.${name}\` |`);
  });
});

test('a config file rejects unknown keys, and its sections are the constructs\' settings', () => {
  expect(schema.additionalProperties).toBe(false);
  expect(Object.keys(schema.properties)).toEqual(['$schema', 'namespace', 'storage', 'mehdb']);
  expect(schema.properties.mehdb.properties.replicas).toMatchObject({ type: 'number', default: 3 });
});
