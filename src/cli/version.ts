// The version is package.json's. Imported, not read from disk at run time: esbuild inlines it into the
// CLI bundle (dist/ sits at another depth from package.json than src/cli/ does), and from the repository
// (tsx, vitest) it is the file itself.
import packageJson from '../../package.json' with { type: 'json' };

export const VERSION: string = packageJson.version;
