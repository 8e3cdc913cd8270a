// A test database provisioned as production is (roles, schemas, shared audit and auth tables), with
// connections as the superuser or as any service's role. Shared by the http, auth and audit tests.
import { afterAll, inject } from "vitest";
import type { ServiceName } from "../../../ops/services.js";
import { createDatabase, type Database } from "../../../services/shared/db/database.js";
import { provisionDatabase, roleFor } from "../../../services/shared/db/provision.js";
import { withTestDatabase, type TestDatabase } from "../../support/test-database.js";

export interface ProvisionedTestDatabase extends TestDatabase {
  /** A Database connected as the superuser, or as `service`'s role; closed when the file ends. */
  connect(service?: ServiceName): Database;
}

export const provisionedTestDatabase = async (label: string): Promise<ProvisionedTestDatabase> => {
  const db = await withTestDatabase(label);
  await provisionDatabase({ adminUrl: inject("postgresAdminUrl"), database: db.name });
  const opened: Database[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
  });
  return {
    ...db,
    connect(service) {
      const url = new URL(db.url);
      if (service) url.username = roleFor(service);
      const conn = createDatabase({ url: url.toString(), applicationName: `test-${service ?? "superuser"}`, maxConnections: 5 });
      opened.push(conn);
      return conn;
    },
  };
};
