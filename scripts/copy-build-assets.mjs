// tsc emits JavaScript only; the SQL migrations travel beside the compiled modules that load them, and
// the console's browser assets (plain ES modules and CSS) beside the console that serves them.
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";

const sqlMigrations = readdirSync("services", { recursive: true })
  .map(String)
  .filter((path) => /(^|\/)migrations\/[^/]+\.sql$/.test(path))
  .map((path) => join("services", path));
for (const file of sqlMigrations) {
  mkdirSync(join("dist", dirname(file)), { recursive: true });
  cpSync(file, join("dist", file), { force: true });
}
process.stdout.write(`copied ${sqlMigrations.length} SQL migrations into dist/\n`);

cpSync(join("services", "console", "web"), join("dist", "services", "console", "web"), { recursive: true, force: true });
process.stdout.write("copied the console's web assets into dist/\n");
