# livechannel-gateway: Node 20 on Debian 12 with Debian's ffmpeg (the version the tests run against).
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# better-sqlite3 builds against Node's headers when no prebuilt binary can be fetched
RUN npm ci --omit=dev --no-audit --no-fund && apt-get purge -y python3 make g++ && apt-get autoremove -y
COPY app ./app
COPY db ./db
COPY views ./views
ENV DATA_DIR=/data HTTP_PORT=8080 RTMP_PORT=1935
RUN mkdir -p /data && chown node:node /data
VOLUME /data
EXPOSE 8080 1935
USER node
CMD ["node", "--import", "tsx", "app/main.ts"]
