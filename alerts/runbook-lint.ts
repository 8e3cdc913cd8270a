// What a runbook page says, read as data: its sections, the alerts it names, the titanctl and npm
// commands it shows. Pure functions over markdown text.

export const REQUIRED_SECTIONS = ["Meaning", "Impact", "Diagnosis", "Mitigation"] as const;

/** `## Title` headings in order, with the text under each. */
export const sectionsOf = (markdown: string): Array<{ title: string; body: string }> => {
  const parts = markdown.split(/^## +/m).slice(1);
  return parts.map((part) => {
    const [title, ...rest] = part.split("\n");
    return { title: title!.trim(), body: rest.join("\n").trim() };
  });
};

/** Words that look like alert names (`TitanSomething`, `Watchdog`), once each. */
export const alertNamesMentioned = (markdown: string): string[] => [...new Set(markdown.match(/\b(Titan[A-Z][A-Za-z0-9]*|Watchdog)\b/g) ?? [])];

/** Links to alert pages (`alerts/Name.md`), by the name they point to. */
export const alertPagesLinked = (markdown: string): string[] => [...new Set([...markdown.matchAll(/alerts\/([A-Za-z0-9]+)\.md/g)].map((m) => m[1]!).filter((n) => n !== "README"))];

/**
 * Every titanctl invocation shown, as the text after the program (`titanctl x`, `node bin/titanctl.mjs x`,
 * `npm run titanctl -- x`) up to the end of the inline code or line; shellWords cuts it at a shell
 * separator or comment.
 */
export const titanctlInvocations = (markdown: string): string[] => {
  const found: string[] = [];
  const re = /(?:npm run titanctl --|node bin\/titanctl\.mjs|(?<!npm run )\btitanctl)[ \t]+([^`\n]*)/g;
  for (let m = re.exec(markdown); m !== null; m = re.exec(markdown)) {
    const rest = m[1]!.trim();
    if (rest !== "") found.push(rest);
  }
  return found;
};

/** npm scripts shown with `npm run <script>`. */
export const npmScriptsShown = (markdown: string): string[] => [...new Set([...markdown.matchAll(/\bnpm run ([A-Za-z0-9:_-]+)/g)].map((m) => m[1]!))];
