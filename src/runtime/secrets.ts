// Keeps secrets out of what a mode shows about itself (/api/v1/status/flags, the UI's flags page): secret fields of
// YAML configs given inline and passwords in URLs become `<secret>`, as Prometheus shows its own secrets.
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { redactUrlPassword } from './http-client-config.js';
import { parseYamlDocument } from './yaml-fields.js';

export const SECRET_TEXT = '<secret>';

/**
 * Field names that hold secrets in the configs upstream takes inline: objstore (S3 secret_key/session_token, GCS
 * service_account, Azure storage_account_key/client_secret, Swift password/application_credential_secret, COS/OSS/BOS
 * keys), HTTP clients (password, bearer_token, credentials), caches (password), tracing (api keys).
 */
const SECRET_FIELDS = new Set([
  'password', 'secret_key', 'session_token', 'service_account', 'storage_account_key', 'client_secret',
  'application_credential_secret', 'access_key_secret', 'bearer_token', 'credentials', 'token', 'api_key',
  'secret_id', 'sse_kms_encryption_context', 'encryption_key', 'auth_token', 'sentinel_password',
]);

function redactNode(doc: Document, node: Node | null | undefined): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (SECRET_FIELDS.has(key.toLowerCase()) && pair.value !== null) {
        if (isScalar(pair.value)) pair.value.value = SECRET_TEXT;
        else pair.value = doc.createNode(SECRET_TEXT);
      } else {
        redactNode(doc, pair.value as Node | null);
      }
    }
  } else if (isSeq(node)) {
    for (const item of node.items) redactNode(doc, item as Node | null);
  }
}

/**
 * A YAML config text with every secret field's value replaced. Text that does not parse is withheld whole: it
 * could be anything, including a secret.
 */
export function redactYamlSecrets(text: string): string {
  if (text.trim() === '') return text;
  let doc: Document;
  try {
    doc = parseYamlDocument(text);
  } catch {
    return SECRET_TEXT; // nested too deeply to parse
  }
  if (doc.errors.length > 0) return SECRET_TEXT;
  redactNode(doc, doc.contents as Node | null);
  return doc.toString().trimEnd();
}

/** A flag's value as it may be shown: inline YAML configs redacted, URL passwords replaced. */
export function displayFlagValue(value: string, isConfigContent: boolean): string {
  return isConfigContent ? redactYamlSecrets(value) : redactUrlPassword(value);
}
