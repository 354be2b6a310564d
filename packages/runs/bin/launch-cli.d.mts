/**
 * Starts a model package's command from its bin file: the built CLI (`dist/cli.js`) when the
 * package has one, else its TypeScript source through tsx with the `@wn/source` condition.
 * @param binUrl the bin file's `import.meta.url`
 * @param name the command's name, for messages
 */
export declare function launchCli(binUrl: string, name: string): Promise<void>;
