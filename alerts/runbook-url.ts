// Every alert's runbook_url comes from its name through this one function: the page is
// runbooks/alerts/<AlertName>.md in the repository.

/**
 * Where the repository's runbooks/alerts folder is browsable. The repository has no public remote
 * yet: a deployment passes its own forge URL (render.ts --runbook-base-url, or the `runbookBaseUrl`
 * option of the renderers), and this default is the one place to change once it has.
 */
export const DEFAULT_RUNBOOK_BASE_URL = "https://github.com/titan-trading/titan/blob/main/runbooks/alerts";

/** Path of an alert's runbook relative to the repository root. */
export const runbookPath = (alertName: string): string => `runbooks/alerts/${alertName}.md`;

export const runbookUrl = (alertName: string, baseUrl: string = DEFAULT_RUNBOOK_BASE_URL): string => {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(alertName)) throw new Error(`runbookUrl: "${alertName}" is not an alert name`);
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(`runbookUrl: base URL "${baseUrl}" is not an absolute URL`);
  }
  return `${parsed.href.replace(/\/+$/, "")}/${alertName}.md`;
};
