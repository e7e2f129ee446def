# Development image: the repository is mounted at /app; the `compiler` service of
# docker-compose.yml runs `tsc --watch` and every other service restarts (node --watch) when its
# compiled output changes.
FROM node:20-bookworm-slim

ENV NODE_ENV=development
WORKDIR /app

# Dependencies live in the image (node_modules is a volume in compose, so the host's never leaks in).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY . .
RUN npx tsc -p tsconfig.json && chown -R node:node /app

USER node
EXPOSE 8000
CMD ["node", "--watch", "dist/api/main.js"]
