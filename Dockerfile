# syntax=docker/dockerfile:1
# Build stage: compiles TypeScript with the dev dependencies, then keeps production ones only.
# Node 24: zstd (Kafka's codec) lives in node:zlib from 22.15; the node package in package.json
# is the same version, for hosts whose own Node is older.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, a non-root user.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY templates ./templates
# A default configuration for the compose example; mount your own /etc/smonnet to replace it.
COPY deploy/api.compose.cfg /etc/smonnet/api.cfg
COPY ipmap.json /etc/smonnet/ipmap.json
RUN useradd --system --uid 10001 --home-dir /var/lib/smonnet --shell /usr/sbin/nologin smonnet \
 && mkdir -p /var/lib/smonnet/geoip /var/lib/smonnet/run && chown -R smonnet: /var/lib/smonnet /etc/smonnet
USER smonnet
# /etc/smonnet: api.cfg (ProcAPI rewrites it, so the volume must be writable) and ipmap.json.
# /var/lib/smonnet/geoip: GeoLite2-City.mmdb and GeoLite2-ASN.mmdb from geoipupdate.
VOLUME ["/etc/smonnet", "/var/lib/smonnet/geoip"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["run", "--config", "/etc/smonnet/api.cfg"]
