# The jiuzhu server as a container image: a static binary (CGO off; SQLite is pure Go)
# on distroless/static, which has no shell and runs as the user nonroot (65532).
#
#   docker build -t jiuzhu \
#     --build-arg VERSION=v1.0.0 --build-arg COMMIT="$(git rev-parse HEAD)" \
#     --build-arg DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#   docker run --rm jiuzhu version
#   docker run --rm -p 127.0.0.1:8080:8080 jiuzhu          # the demo, on SQLite in /data
#
# With PostgreSQL, see compose.yaml: "migrate up" as the owner role, then "serve" as the
# serving role (docs/operations-roles-and-migrations.md).

ARG GO_VERSION=1.27.3

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION="" COMMIT="" DATE=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.date=${DATE}" \
      -o /out/jiuzhu . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jiuzhu /usr/local/bin/jiuzhu
# The demo's SQLite file and generated secret; a volume keeps them.
COPY --from=build --chown=65532:65532 /out/data /data
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATA_DIR=/data
USER 65532:65532
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/jiuzhu"]
CMD ["serve"]
