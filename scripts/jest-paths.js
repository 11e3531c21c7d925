// Maps the tsconfig path aliases (@anyfront/*) for Jest so both read one list.
const { compilerOptions } = require('../tsconfig.base.json');
exports.pathsToModuleNameMapper = () => {
  const out = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    out[`^${alias.replace('/', '\\/')}$`] = `<rootDir>/${target}`;
  }
  return out;
};
