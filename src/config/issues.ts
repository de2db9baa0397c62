/** One problem found in meter.json: where (the key as the user wrote it) and what is expected there. */
export interface ConfigIssue {
  /** Dotted key path as written in the file, e.g. `export_mqtt_port` or `http.port`; `(file)` for the file itself. */
  path: string;
  /** What is expected, e.g. `expected a whole number from 1 to 65535, got the string "18a3"`. Never holds a secret. */
  message: string;
}

/** `path: message`, the form `config check` prints. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message}`;
}
