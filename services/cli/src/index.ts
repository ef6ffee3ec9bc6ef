export { nonNegativeInt, positiveInt } from './commands/arguments';
export { buildProgram } from './program';
