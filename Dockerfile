# orderhub: one static binary on a distroless base, as a non-root user, with
# its data (the SQLite file, demo-credentials.json) on the /data volume.
#
#   docker build -t orderhub --build-arg VERSION=$(git describe --always) .
#   docker run -d -p 8080:8080 -v orderhub-data:/data orderhub
#   docker run -d -p 8080:8080 -e ORDERHUB_DATABASE_URL=postgres://... orderhub
#
# Every flag of `orderhub serve` is also an ORDERHUB_ variable (docs/operations.md).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO_ENABLED=0: modernc.org/sqlite is pure Go, so the binary is static and
# runs on an image without libc. timetzdata embeds the time zone database
# (locations keep their own zones) whatever the base image carries.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
        -ldflags "-s -w -X main.version=${VERSION}" -o /out/orderhub ./cmd/orderhub \
    && mkdir -p /out/data

# distroless/static: CA certificates (outbound webhooks and callbacks over
# HTTPS), /etc/passwd with the nonroot user (65532), no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/orderhub /usr/local/bin/orderhub
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
# Inside the container orderhub listens on every interface (the published
# port is the boundary); --addr's default elsewhere is loopback.
ENV ORDERHUB_ADDR=:8080 \
    ORDERHUB_DATA=/data \
    ORDERHUB_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
# The binary checks itself: GET /healthz on ORDERHUB_ADDR (HTTPS when
# ORDERHUB_TLS_CERT is set).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/orderhub", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/orderhub"]
CMD ["serve"]
