# syntax=docker/dockerfile:1
# The one Titan image: `docker run <image> brain` (or execution, console, scavenger, ai-quant, and
# provision-database for the Kubernetes Job that prepares the database).
# UNVERIFIED: no Docker engine on the build machines; see infra/README.md until it has been built.
# tests/infra/dockerfile.test.ts checks its structure (sources, entry points, user, no secrets).

ARG NODE_IMAGE=node:20.19-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY ops ./ops
COPY services ./services
COPY scripts ./scripts
# The local-stack scripts compile with the alert rules and dashboards they load.
COPY alerts ./alerts
COPY dashboards ./dashboards
COPY bin ./bin
# The image's own entry points (the database provisioning Job), compiled beside the services.
COPY infra/image ./infra/image
RUN npm run build && npx tsc -p infra/image/tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# RDS's CA bundle, so the services verify the managed database's certificate (NODE_EXTRA_CA_CERTS).
ADD --chmod=0444 https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem /etc/ssl/certs/rds-global-bundle.pem
COPY --from=build --chown=root:root /src/package.json ./package.json
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --chmod=0555 infra/image/entrypoint.sh /usr/local/bin/titan
# Numeric non-root user, so Kubernetes can verify runAsNonRoot; the code is owned by root, read-only.
RUN groupadd --system --gid 10001 titan && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/titan --no-create-home titan \
  && mkdir -p /var/lib/titan && chown 10001:10001 /var/lib/titan
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/titan"]
CMD ["--help"]
