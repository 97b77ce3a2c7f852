// In a module of its own so that the CLI can recognise it without loading the world-file schema.

/** A world file that cannot be used: one line, mapped to exit 2 by the CLI. */
export class WorldFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorldFileError';
  }
}
