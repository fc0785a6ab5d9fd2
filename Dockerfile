# One image for both cluster roles: `node dist/src/bin/api.js` and `node dist/src/bin/worker.js`.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The roles talk to a Temporal cluster (TEMPORAL_ADDRESS): no local CLI needed in the image.
ENV BOOKBELL_SKIP_TEMPORAL_PROVISION=1
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workflows workflows
COPY activities activities
# The web console (/console) is bundled by Vite into dist/console.
COPY console console
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# Migrations are read from src/db/migrations at start.
COPY --from=build /app/src/db/migrations src/db/migrations
USER node
CMD ["node", "dist/src/bin/api.js"]
