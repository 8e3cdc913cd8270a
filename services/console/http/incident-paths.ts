// Where Alertmanager posts its notifications: the console's route and the local stack's Alertmanager
// configuration (scripts/stack/alertmanager.ts) both read it from here, dependency-free.
export const ALERTMANAGER_WEBHOOK_PATH = "/api/incidents/alertmanager";
