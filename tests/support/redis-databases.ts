/** Logical Redis databases of the shared test server: one per test file that asks (see test-database.ts). */
export const REDIS_TEST_DATABASES = 4096;
