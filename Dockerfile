# syntax=docker/dockerfile:1
# Build stage: compiles TypeScript with the dev dependencies, then keeps production ones only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: no compiler, no dev dependencies, a non-root user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY templates ./templates
COPY config/api.cfg /etc/smonnet/api.cfg
COPY ipmap.json /etc/smonnet/ipmap.json
RUN useradd --system --uid 10001 --home-dir /var/lib/smonnet --shell /usr/sbin/nologin smonnet \
 && mkdir -p /var/lib/smonnet/geoip && chown -R smonnet: /var/lib/smonnet /etc/smonnet
USER smonnet
VOLUME ["/etc/smonnet", "/var/lib/smonnet/geoip"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
