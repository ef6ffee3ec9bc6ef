/** A configuration problem, naming the variable and the expected form. */
export class ConfigError extends Error {
  readonly code = 'CDP_CONFIG';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
