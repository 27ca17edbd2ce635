// ESM packages that do `const require = createRequire(import.meta.url)` break once transpiled to CommonJS:
// the transform's own require() calls resolve to that not-yet-initialised local. Renaming the local first fixes it.
module.exports = function renameLocalRequire() {
  return {
    visitor: {
      Program(path) {
        if (path.scope.getOwnBinding('require')) path.scope.rename('require', '__esmLocalRequire');
      },
    },
  };
};
