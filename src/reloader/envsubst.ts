// Environment substitution for the reloader's config template: `$(NAME)` as in Kubernetes manifests
// (`replica: $(POD_NAME)`), exactly upstream's pattern; a reference to an unset variable is an error.
import { ConfigError } from '../runtime/errors.js';

const ENV_REF = /\$\(([a-zA-Z_0-9]+)\)/g;

/** Replaces every `$(NAME)` with the variable's value. `where` names the template in errors. */
export function expandEnvRefs(text: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  const missing: string[] = [];
  const out = text.replace(ENV_REF, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) {
      missing.push(name);
      return '';
    }
    return v;
  });
  if (missing.length > 0) {
    throw new ConfigError(`found reference to unset environment variable ${JSON.stringify(missing[0])}`, { where });
  }
  return out;
}
