// Nest 12 and some of its dependencies ship ESM only. Node 20 can require() them, but Jest's module
// runtime only can on Node >= 24.9, so those packages are transpiled to CommonJS for the tests.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(nodeModules) {
  const names = [];
  for (const entry of fs.readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const dirs = entry.startsWith('@')
      ? fs.readdirSync(path.join(nodeModules, entry)).map((n) => `${entry}/${n}`)
      : [entry];
    for (const name of dirs) {
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8'));
        if (pkg.type === 'module') names.push(name);
      } catch {
        // not a package folder
      }
    }
  }
  return names;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const transformed = esmPackages(path.join(__dirname, 'node_modules')).map(escape).join('|');

const common = {
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
    '^.+\\.m?js$': [
      'babel-jest',
      { babelrc: false, configFile: false, plugins: [path.join(__dirname, 'test/support/babel-local-require.js'), 'babel-plugin-transform-import-meta', '@babel/plugin-transform-dynamic-import', '@babel/plugin-transform-modules-commonjs'] },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${transformed})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
};

module.exports = {
  // Integration specs import real archives into real databases; the 5 s default is for unit specs.
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      // Starts Elasticsearch (scripts/elasticsearch.sh) when ELASTICSEARCH_URL does not answer; see the file.
      globalSetup: '<rootDir>/test/indexing/elasticsearch.global-setup.ts',
    },
  ],
};
