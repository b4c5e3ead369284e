# The correlator daemon: HTTP intake and correlator in one process (the embedded default),
# or either half alone on Kafka (`docker run IMAGE connector`).
#
#   docker build -t correlator .
#   docker run -p 8080:8080 -v correlator-data:/var/lib/correlator correlator
#
# Configure with a mounted /etc/correlator/config.yaml or CORRELATOR_<SECTION>__<KEY>
# environment variables (see config/default.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user owning only the state directory.
RUN groupadd --system --gid 10001 correlator \
    && useradd --system --uid 10001 --gid correlator --no-create-home \
        --home-dir /var/lib/correlator --shell /usr/sbin/nologin correlator \
    && install -d -o correlator -g correlator -m 0750 /var/lib/correlator

WORKDIR /src
COPY pyproject.toml README.md* ./
COPY correlator ./correlator
COPY connectors ./connectors
COPY topology ./topology
RUN pip install --no-cache-dir . \
    && correlator --version

COPY config/default.yaml /etc/correlator/config.yaml

# The image listens on every interface; state (the bus journal) lives in the volume.
ENV CORRELATOR_SERVER__HOST=0.0.0.0 \
    CORRELATOR_DATA_DIR=/var/lib/correlator

USER 10001:10001
WORKDIR /var/lib/correlator
VOLUME ["/var/lib/correlator"]
EXPOSE 8080

# No curl in slim images: ask /healthz with Python itself (the port may be overridden).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CORRELATOR_SERVER__PORT', '8080'), timeout=4)"]

ENTRYPOINT ["correlator"]
CMD ["run", "--config", "/etc/correlator/config.yaml"]
