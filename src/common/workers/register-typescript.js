// Preloaded (node --require) into worker threads started from TypeScript sources, i.e. under Jest, where no compiled
// .js exists next to the worker entry: transpiles the .ts modules the worker requires with the `typescript` dev
// dependency. Compiled builds (dist/) never load this file.
const fs = require('node:fs');
const ts = require(require.resolve('typescript', { paths: [__dirname] }));

require.extensions['.ts'] = (module, filename) => {
  const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  module._compile(output.outputText, filename);
};
